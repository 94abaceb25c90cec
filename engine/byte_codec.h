// Byte codec: the varints and length-prefixed strings that the engine's records are written in — the
// signals topic's records (SignalCodec) and the correlation state's changelog (CorrelationStateCodec).
// ByteReader checks every length against the buffer: bad bytes are an error, never a crash or a huge
// allocation. Plain functions and a value type; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/alert.h"

namespace auditstream {

void putVarint(std::uint64_t value, std::string& out);
void putSigned(std::int64_t value, std::string& out);  // zigzag: small negatives stay small
void putString(std::string_view value, std::string& out);
void putList(const std::vector<std::string>& values, std::string& out);
void putEvidence(const AlertEvidence& evidence, std::string& out);

// Reads what put* wrote; the first problem sticks and every later read returns a default.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

  std::uint64_t varint();
  std::int64_t signedVarint();
  std::string string();
  // A count of entries that each take at least one byte, at most `max`.
  std::uint64_t count(std::uint64_t max);
  std::vector<std::string> list(std::uint64_t max);
  AlertEvidence evidence();
  char byte();
  // The bytes not read yet (then at the end).
  std::string_view rest();
  bool atEnd() const { return pos_ == bytes_.size(); }
  const std::string& problem() const { return problem_; }
  bool ok() const { return problem_.empty(); }
  std::uint64_t fail(std::string why);

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
  std::string problem_;
};

}  // namespace auditstream
