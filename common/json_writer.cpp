#include "common/json_writer.h"

#include <cstdint>
#include <cstdio>
#include <ctime>

namespace auditstream {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// Length of the well-formed UTF-8 sequence starting at text[i], or 0 when it is not well-formed
// (overlong forms, surrogates and code points above U+10FFFF are rejected, per RFC 3629).
std::size_t validUtf8SequenceLength(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  unsigned char minSecond = 0x80;
  unsigned char maxSecond = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) minSecond = 0xA0;  // overlong
    if (lead == 0xED) maxSecond = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) minSecond = 0x90;  // overlong
    if (lead == 0xF4) maxSecond = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < minSecond || byte(i + 1) > maxSecond) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  return length;
}

}  // namespace

void appendJsonString(std::string& out, std::string_view text) {
  out.push_back('"');
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t length = validUtf8SequenceLength(text, i);
      if (length == 0) {
        out.append(kReplacementCharacter);
        ++i;
      } else {
        out.append(text.substr(i, length));
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

void appendRfc3339Millis(std::string& out, std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto sinceEpoch = duration_cast<milliseconds>(time.time_since_epoch());
  auto seconds = duration_cast<std::chrono::seconds>(sinceEpoch);
  auto millis = sinceEpoch - seconds;
  if (millis.count() < 0) {  // before 1970: floor, not truncate
    seconds -= std::chrono::seconds(1);
    millis += std::chrono::seconds(1);
  }
  const std::time_t whole = static_cast<std::time_t>(seconds.count());
  std::tm utc{};
  gmtime_r(&whole, &utc);
  char buffer[40];
  const int written =
      std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                    utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis.count()));
  if (written > 0) out.append(buffer, static_cast<std::size_t>(written));
}

void appendJsonMember(std::string& out, std::string_view key, std::string_view value, bool& first) {
  if (value.empty()) return;
  if (!first) out += ',';
  first = false;
  appendJsonString(out, key);
  out += ':';
  appendJsonString(out, value);
}

}  // namespace auditstream
