#include "engine/field_path.h"

namespace auditstream {

std::optional<FieldPath> parseFieldPath(std::string_view text) {
  FieldPath path;
  path.text = std::string(text);
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t dot = std::min(text.find('.', start), text.size());
    std::string_view segment = text.substr(start, dot - start);
    if (segment.size() >= 2 && segment.substr(segment.size() - 2) == "[]") segment.remove_suffix(2);
    if (segment.empty()) return std::nullopt;
    path.segments.emplace_back(segment);
    start = dot + 1;
  }
  for (const std::string& segment : path.segments) {
    if (!path.joined.empty()) path.joined += '.';
    path.starts.push_back(path.joined.size());
    path.joined += segment;
  }
  path.fast = fastFieldForPath(path.joined);
  return path;
}

}  // namespace auditstream
