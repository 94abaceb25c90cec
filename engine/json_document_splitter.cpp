#include "engine/json_document_splitter.h"

#include <algorithm>

namespace auditstream {

void JsonDocumentSplitter::flush(FunctionRef<void(std::string_view)> onDocument) {
  const std::size_t first = current_.find_first_not_of(" \t\r\n");
  if (first != std::string::npos) onDocument(std::string_view(current_).substr(first));
  current_.clear();
  depth_ = 0;
  inString_ = false;
  escaped_ = false;
}

bool JsonDocumentSplitter::clean() const { return current_.empty() && depth_ == 0 && !inString_ && lineStart_; }

void JsonDocumentSplitter::feed(std::string_view chunk, FunctionRef<void(std::string_view)> onDocument) {
  std::size_t position = 0;
  while (position < chunk.size()) {
    // Fast path for JSON Lines: a whole line that starts with '{' or '[' and ends with the matching
    // bracket is one document, passed on without copying or scanning its bytes one by one.
    if (clean()) {
      const std::size_t newline = chunk.find('\n', position);
      if (newline != std::string_view::npos) {
        std::string_view line = chunk.substr(position, newline - position);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
          line.remove_suffix(1);
        if (line.empty()) {
          position = newline + 1;
          continue;
        }
        if ((line.front() == '{' && line.back() == '}') || (line.front() == '[' && line.back() == ']')) {
          onDocument(line);
          position = newline + 1;
          continue;
        }
      }
    }
    const std::size_t lineEnd = std::min(chunk.find('\n', position), chunk.size() - 1);
    scan(chunk.substr(position, lineEnd + 1 - position), onDocument);
    position = lineEnd + 1;
  }
}

void JsonDocumentSplitter::scan(std::string_view text, FunctionRef<void(std::string_view)> onDocument) {
  for (const char c : text) {
    const bool atLineStart = lineStart_;
    lineStart_ = c == '\n';
    if (atLineStart && (c == '{' || c == '[') && depth_ > 0) flush(onDocument);  // the open one was truncated
    if (c == '\n' && depth_ == 0 && !inString_) {
      flush(onDocument);  // a line holding something other than a container (garbage) ends here
      continue;
    }
    current_ += c;
    if (inString_) {
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        inString_ = false;
      } else if (c == '\n') {
        current_.pop_back();  // JSON strings cannot hold raw newlines: the document is broken here
        flush(onDocument);
      }
      continue;
    }
    if (c == '"') {
      inString_ = true;
    } else if (c == '{' || c == '[') {
      ++depth_;
    } else if ((c == '}' || c == ']') && depth_ > 0) {
      if (--depth_ == 0) flush(onDocument);
    }
  }
}

void JsonDocumentSplitter::finish(FunctionRef<void(std::string_view)> onDocument) { flush(onDocument); }

}  // namespace auditstream
