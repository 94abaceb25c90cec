// AuditId: an audit ID as a correlation window keeps it, in 16 bytes. The apiserver's audit IDs are RFC
// 4122 UUIDs in canonical lowercase text (36 characters): kept as their 16 bytes. Any other text (a
// client's own Audit-ID header, a test's "a1") is kept exactly, on the heap. Which one is told by the
// UUID's variant bit (byte 8's top bit, always set in an RFC 4122 UUID; zero in the other form).
// A value type; not thread-safe (like std::string).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace auditstream {

class AuditId {
 public:
  AuditId() = default;
  explicit AuditId(std::string_view text);
  AuditId(const AuditId& other);
  AuditId& operator=(const AuditId& other);
  AuditId(AuditId&& other) noexcept;
  AuditId& operator=(AuditId&& other) noexcept;
  ~AuditId();

  bool operator==(std::string_view text) const;
  std::string text() const;
  // The 16 bytes of a UUID kept packed; nothing for text kept as it is.
  std::optional<std::array<unsigned char, 16>> uuid() const;
  static AuditId fromUuid(const std::array<unsigned char, 16>& bytes);

 private:
  bool packed() const { return (bytes_[8] & 0x80U) != 0; }
  const char* heapText() const;
  std::uint32_t heapSize() const;
  void setHeap(std::string_view text);
  void release();

  // packed: the UUID. Else: a char* at 0 (owned; null when empty), its size at 12, bytes 8-11 zero.
  alignas(8) std::array<unsigned char, 16> bytes_{};
};

}  // namespace auditstream
