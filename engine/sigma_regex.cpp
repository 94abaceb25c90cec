#include "engine/sigma_regex.h"

#include <cctype>
#include <hs/hs.h>

#include "engine/compiled_rules.h"

namespace auditstream {
namespace {

constexpr unsigned kCommonFlags = HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY | HS_FLAG_UTF8;

void appendEscaped(std::string& out, std::string_view literal) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char c : literal) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || byte >= 0x80) {  // bytes of multi-byte UTF-8 characters stay as they are
      out += c;
    } else {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
}

}  // namespace

std::string sigmaPatternRegex(const SigmaPattern& pattern, Anchoring anchoring) {
  std::string regex;
  if (anchoring == Anchoring::kWhole || anchoring == Anchoring::kStartsWith) regex += '^';
  for (const PatternPiece& piece : pattern) {
    switch (piece.kind) {
      case PatternPiece::Kind::kLiteral: appendEscaped(regex, piece.literal); break;
      case PatternPiece::Kind::kAnyString: regex += ".*"; break;
      case PatternPiece::Kind::kAnyChar: regex += '.'; break;
    }
  }
  if (anchoring == Anchoring::kWhole || anchoring == Anchoring::kEndsWith) regex += '$';
  return regex;
}

unsigned sigmaPatternFlags(bool caseSensitive) {
  return kCommonFlags | HS_FLAG_DOTALL | (caseSensitive ? 0U : static_cast<unsigned>(HS_FLAG_CASELESS));
}

unsigned regexFlags(bool caseless, bool multiline, bool dotAll) {
  return kCommonFlags | (caseless ? static_cast<unsigned>(HS_FLAG_CASELESS) : 0U) |
         (multiline ? static_cast<unsigned>(HS_FLAG_MULTILINE) : 0U) |
         (dotAll ? static_cast<unsigned>(HS_FLAG_DOTALL) : 0U);
}

void lowerAsciiInto(std::string_view text, std::string& out) {
  out.resize(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    out[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
  }
}

}  // namespace auditstream
