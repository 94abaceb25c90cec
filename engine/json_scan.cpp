#include "engine/json_scan.h"

#include <cstddef>

namespace auditstream {
namespace {

// Index just past the string whose opening quote is at text[i].
std::size_t skipString(std::string_view text, std::size_t i) {
  for (++i; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      return i + 1;
    }
  }
  return text.size();
}

}  // namespace

std::string_view jsonValueAt(const char* start, const char* limit) {
  const std::string_view text(start, static_cast<std::size_t>(limit - start));
  if (text.empty()) return text;
  if (text[0] == '"') return text.substr(0, skipString(text, 0));
  if (text[0] != '{' && text[0] != '[') {
    std::size_t end = 0;
    while (end < text.size() && text[end] != ',' && text[end] != '}' && text[end] != ']' && text[end] != ' ' &&
           text[end] != '\n' && text[end] != '\r' && text[end] != '\t') {
      ++end;
    }
    return text.substr(0, end);
  }
  int depth = 0;
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '"') {
      i = skipString(text, i);
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') {
      if (--depth == 0) return text.substr(0, i + 1);
    }
    ++i;
  }
  return text;
}

std::string_view rawJsonKey(const char* afterQuote, const char* limit) {
  const std::string_view text(afterQuote, static_cast<std::size_t>(limit - afterQuote));
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      return text.substr(0, i);
    }
  }
  return text;
}

}  // namespace auditstream
