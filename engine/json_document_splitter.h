// Splits a byte stream of JSON documents — newline-delimited or pretty-printed, one after another — into
// one message per document, as a file replay needs. A line that starts with '{' and ends with '}' (or
// '[' ... ']') is taken as one document without scanning it (JSON Lines, the common case). Otherwise it
// tracks strings and nesting; a line that starts with
// '{' or '[' in column 0 while a document is still open starts a new one (the open one was truncated and
// is passed on as it is, to be rejected by the decoder with its reason).
//
// Owned by the reading thread. Call feed() with consecutive chunks, then finish().
#pragma once

#include <string>
#include <string_view>

#include "common/function_ref.h"

namespace auditstream {

class JsonDocumentSplitter {
 public:
  // `onDocument` receives each complete document (valid during the call).
  void feed(std::string_view chunk, FunctionRef<void(std::string_view)> onDocument);
  void finish(FunctionRef<void(std::string_view)> onDocument);

 private:
  void flush(FunctionRef<void(std::string_view)> onDocument);
  void scan(std::string_view text, FunctionRef<void(std::string_view)> onDocument);
  bool clean() const;

  std::string current_;
  int depth_ = 0;
  bool inString_ = false;
  bool escaped_ = false;
  bool lineStart_ = true;
};

}  // namespace auditstream
