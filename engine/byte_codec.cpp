#include "engine/byte_codec.h"

namespace auditstream {
namespace {

constexpr std::uint64_t kMaxEvidenceList = 4096;

// The evidence's single texts, in their record order (AlertEvidence or const AlertEvidence).
template <typename Evidence, typename Each>
void forEachEvidenceText(Evidence& evidence, Each&& each) {
  for (auto* field : {&evidence.user, &evidence.impersonatedUser, &evidence.verb, &evidence.requestUri,
                      &evidence.namespaceName, &evidence.resource, &evidence.subresource, &evidence.name,
                      &evidence.responseCode, &evidence.decision, &evidence.userAgent}) {
    each(*field);
  }
}

}  // namespace

void putVarint(std::uint64_t value, std::string& out) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

void putSigned(std::int64_t value, std::string& out) {
  putVarint((static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63), out);
}

void putString(std::string_view value, std::string& out) {
  putVarint(value.size(), out);
  out += value;
}

void putList(const std::vector<std::string>& values, std::string& out) {
  putVarint(values.size(), out);
  for (const std::string& value : values) putString(value, out);
}

void putEvidence(const AlertEvidence& evidence, std::string& out) {
  putList(evidence.auditIds, out);
  putList(evidence.sourceIps, out);
  forEachEvidenceText(evidence, [&](const std::string& field) { putString(field, out); });
}

std::uint64_t ByteReader::varint() {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= bytes_.size()) return fail("truncated number");
    const auto byte = static_cast<unsigned char>(bytes_[pos_++]);
    value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return fail("number longer than 64 bits");
}

std::int64_t ByteReader::signedVarint() {
  const std::uint64_t raw = varint();
  return static_cast<std::int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
}

std::string ByteReader::string() {
  const std::uint64_t size = varint();
  if (size > bytes_.size() - pos_) {
    fail("string runs past the end of the record");
    return {};
  }
  std::string value(bytes_.substr(pos_, size));
  pos_ += size;
  return value;
}

std::uint64_t ByteReader::count(std::uint64_t max) {
  const std::uint64_t size = varint();
  if (size > max || size > bytes_.size() - pos_) return fail("list longer than the record");
  return size;
}

std::vector<std::string> ByteReader::list(std::uint64_t max) {
  const std::uint64_t size = count(max);
  std::vector<std::string> values;
  for (std::uint64_t i = 0; i < size && ok(); ++i) values.push_back(string());
  return values;
}

AlertEvidence ByteReader::evidence() {
  AlertEvidence evidence;
  evidence.auditIds = list(kMaxEvidenceList);
  evidence.sourceIps = list(kMaxEvidenceList);
  forEachEvidenceText(evidence, [&](std::string& field) { field = string(); });
  return evidence;
}

char ByteReader::byte() {
  if (pos_ >= bytes_.size()) {
    fail("truncated record");
    return 0;
  }
  return bytes_[pos_++];
}

std::string_view ByteReader::rest() {
  const std::string_view rest = bytes_.substr(pos_);
  pos_ = bytes_.size();
  return rest;
}

std::uint64_t ByteReader::fail(std::string why) {
  if (problem_.empty()) problem_ = std::move(why);
  pos_ = bytes_.size();
  return 0;
}

}  // namespace auditstream
