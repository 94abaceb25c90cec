#include "engine/audit_id.h"

#include <cstring>
#include <memory>

namespace auditstream {
namespace {

constexpr std::size_t kUuidText = 36;
constexpr std::array<std::size_t, 4> kHyphens = {8, 13, 18, 23};

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case too: such text is kept as it is, so that it reads back the same
}

// The 16 bytes of a canonical lowercase RFC 4122 UUID's text, or nothing.
std::optional<std::array<unsigned char, 16>> parseUuid(std::string_view text) {
  if (text.size() != kUuidText) return std::nullopt;
  std::array<unsigned char, 16> bytes{};
  std::size_t out = 0;
  for (std::size_t i = 0; i < kUuidText;) {
    if (i == kHyphens[0] || i == kHyphens[1] || i == kHyphens[2] || i == kHyphens[3]) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    const int high = hexValue(text[i]);
    const int low = hexValue(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes[out++] = static_cast<unsigned char>(high * 16 + low);
    i += 2;
  }
  if ((bytes[8] & 0x80U) == 0) return std::nullopt;  // not the RFC 4122 variant: kept as text
  return bytes;
}

}  // namespace

AuditId::AuditId(std::string_view text) {
  if (const auto uuid = parseUuid(text)) {
    bytes_ = *uuid;
  } else {
    setHeap(text);
  }
}

AuditId AuditId::fromUuid(const std::array<unsigned char, 16>& bytes) {
  AuditId id;
  if ((bytes[8] & 0x80U) != 0) id.bytes_ = bytes;
  return id;
}

AuditId::AuditId(const AuditId& other) {
  if (other.packed()) {
    bytes_ = other.bytes_;
  } else {
    setHeap({other.heapText(), other.heapSize()});
  }
}

AuditId& AuditId::operator=(const AuditId& other) {
  if (this != &other) *this = AuditId(other);
  return *this;
}

AuditId::AuditId(AuditId&& other) noexcept : bytes_(other.bytes_) { other.bytes_ = {}; }

AuditId& AuditId::operator=(AuditId&& other) noexcept {
  if (this == &other) return *this;
  release();
  bytes_ = other.bytes_;
  other.bytes_ = {};
  return *this;
}

AuditId::~AuditId() { release(); }

const char* AuditId::heapText() const {
  const char* text = nullptr;
  std::memcpy(&text, bytes_.data(), sizeof text);
  return text;
}

std::uint32_t AuditId::heapSize() const {
  std::uint32_t size = 0;
  std::memcpy(&size, bytes_.data() + 12, sizeof size);
  return size;
}

void AuditId::setHeap(std::string_view text) {
  bytes_ = {};
  if (text.empty()) return;
  auto owned = std::make_unique<char[]>(text.size());  // NOLINT(cppcoreguidelines-avoid-c-arrays)
  std::memcpy(owned.get(), text.data(), text.size());
  const char* pointer = owned.release();  // owned by bytes_ from here: release() frees it
  const auto size = static_cast<std::uint32_t>(text.size());
  std::memcpy(bytes_.data(), &pointer, sizeof pointer);
  std::memcpy(bytes_.data() + 12, &size, sizeof size);
}

void AuditId::release() {
  if (packed()) return;
  std::unique_ptr<char[]> owned(const_cast<char*>(heapText()));  // NOLINT: the pointer setHeap() released
  bytes_ = {};
}

bool AuditId::operator==(std::string_view text) const {
  if (!packed()) return std::string_view(heapText(), heapSize()) == text;
  const auto uuid = parseUuid(text);
  return uuid && *uuid == bytes_;
}

std::string AuditId::text() const {
  if (!packed()) return std::string(heapText(), heapSize());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(kUuidText);
  for (std::size_t i = 0; i < bytes_.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    text += kHex[bytes_[i] >> 4U];
    text += kHex[bytes_[i] & 0x0fU];
  }
  return text;
}

std::optional<std::array<unsigned char, 16>> AuditId::uuid() const {
  if (!packed()) return std::nullopt;
  return bytes_;
}

}  // namespace auditstream
