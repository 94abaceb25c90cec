#include "engine/json_document_splitter.h"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace auditstream {
namespace {

// Feeds `text` in chunks of `chunkSize` bytes (every boundary position gets exercised).
std::vector<std::string> split(std::string_view text, std::size_t chunkSize) {
  JsonDocumentSplitter splitter;
  std::vector<std::string> documents;
  const auto collect = [&](std::string_view document) { documents.emplace_back(document); };
  for (std::size_t i = 0; i < text.size(); i += chunkSize) splitter.feed(text.substr(i, chunkSize), collect);
  splitter.finish(collect);
  return documents;
}

TEST(JsonDocumentSplitter, JsonLinesPrettyPrintedAndBrokenInputInAnyChunking) {
  const std::string text =
      "{\"a\":1}\n"
      "\n"
      "{\r\n  \"b\": \"}{\\\"\",\n  \"c\": [1, {\"d\": 2}]\n}\n"
      "[{\"e\":3}]\n"
      "{\"truncated\": \"yes\n"
      "garbage here\n"
      "{\"last\":true}";
  const std::vector<std::string> expected = {
      "{\"a\":1}",    "{\r\n  \"b\": \"}{\\\"\",\n  \"c\": [1, {\"d\": 2}]\n}",
      "[{\"e\":3}]",  "{\"truncated\": \"yes",
      "garbage here", "{\"last\":true}",
  };
  for (std::size_t chunk : {1U, 2U, 3U, 7U, 64U, 4096U}) EXPECT_EQ(split(text, chunk), expected) << chunk;
}

TEST(JsonDocumentSplitter, AnUnclosedDocumentEndsWhereTheNextStartsInColumnOne) {
  EXPECT_EQ(split("{\"a\": {\n{\"b\":1}\n", 5), (std::vector<std::string>{"{\"a\": {\n", "{\"b\":1}"}));
}

}  // namespace
}  // namespace auditstream
