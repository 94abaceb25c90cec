#include "engine/json_document_splitter.h"

namespace auditstream {

void JsonDocumentSplitter::flush(FunctionRef<void(std::string_view)> onDocument) {
  const std::size_t first = current_.find_first_not_of(" \t\r\n");
  if (first != std::string::npos) onDocument(std::string_view(current_).substr(first));
  current_.clear();
  depth_ = 0;
  inString_ = false;
  escaped_ = false;
}

void JsonDocumentSplitter::feed(std::string_view chunk, FunctionRef<void(std::string_view)> onDocument) {
  for (const char c : chunk) {
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
        inString_ = false;  // JSON strings cannot hold raw newlines: the document is broken; resync
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
