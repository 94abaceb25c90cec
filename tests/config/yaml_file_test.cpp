#include "config/yaml_file.h"

#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>

namespace auditstream {
namespace {

TEST(YamlFile, ParsesDocumentsInOrder) {
  const auto file = YamlFile::parse("title: one\n---\ntitle: two\n", "rules.yml");
  ASSERT_TRUE(file) << file.status();
  ASSERT_EQ(file->documents().size(), 2U);
  EXPECT_EQ(file->documents()[1]["title"].as<std::string>(), "two");
}

TEST(YamlFile, SyntaxErrorHasOneBasedPosition) {
  const auto file = YamlFile::parse("title: ok\ndetection:\n  selection: [a, b\n", "rules/bad.yml");
  ASSERT_FALSE(file);
  EXPECT_EQ(file.status().code(), StatusCode::kParseError);
  EXPECT_EQ(file.status().message().rfind("rules/bad.yml:4:1: ", 0), 0U) << file.status();
}

TEST(YamlFile, DuplicateKeyIsRejectedWithBothPositions) {
  const auto file = YamlFile::parse("title: a\ndetection:\n  sel:\n    verb: get\n    verb: list\n", "dup.yml");
  ASSERT_FALSE(file);
  EXPECT_EQ(file.status().message(), "dup.yml:5:5: duplicate key 'verb' (first defined at dup.yml:4:5)");
}

TEST(YamlFile, DuplicateKeyInsideSequenceIsFound) {
  const auto file = YamlFile::parse("items:\n  - a: 1\n    a: 2\n", "seq.yml");
  ASSERT_FALSE(file);
  EXPECT_EQ(file.status().message(), "seq.yml:3:5: duplicate key 'a' (first defined at seq.yml:2:5)");
}

TEST(YamlFile, ErrorAtPointsAtTheNode) {
  const auto file = YamlFile::parse("level: critcal\n", "r.yml");
  ASSERT_TRUE(file);
  const Status status = file->errorAt(file->documents()[0]["level"], "level (critcal) must be one of ...");
  EXPECT_EQ(status.message(), "r.yml:1:8: level (critcal) must be one of ...");
}

TEST(YamlFile, LoadReadsFileAndReportsMissingOne) {
  const std::string path = ::testing::TempDir() + "/yaml_file_test.yml";
  {
    std::ofstream out(path);
    out << "a: 1\n";
  }
  const auto file = YamlFile::load(path);
  ASSERT_TRUE(file) << file.status();
  EXPECT_EQ(file->name(), path);
  EXPECT_EQ(file->documents()[0]["a"].as<int>(), 1);
  std::remove(path.c_str());

  const auto missing = YamlFile::load(path);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status().code(), StatusCode::kIoError);
  EXPECT_EQ(missing.status().message(), "cannot open " + path + ": No such file or directory");
}

}  // namespace
}  // namespace auditstream

namespace auditstream {
namespace {

// yaml-cpp 0.7's LoadAll never returns on this (jbeder/yaml-cpp#1319); YamlFile loads documents one by
// one and must come back with a document or an error. Found by tests/fuzz/rule_loader_fuzzer.
TEST(YamlFile, MalformedInputThatHangsLoadAllStillReturns) {
  const auto parsed = YamlFile::parse("\n,\n    ", "loop.yml");
  if (parsed) {
    EXPECT_LE(parsed->documents().size(), 1U);
  } else {
    EXPECT_TRUE(parsed.status().message().starts_with("loop.yml:")) << parsed.status().message();
  }
}

TEST(YamlFile, PositionsInLaterDocumentsAreFilePositions) {
  const auto parsed = YamlFile::parse("a: 1\n---\nb: 2\n---\n\nc:\n  d: 3\n", "multi.yml");
  ASSERT_TRUE(parsed) << parsed.status().message();
  ASSERT_EQ(parsed->documents().size(), 3U);
  EXPECT_EQ(parsed->positionOf(parsed->documents()[2]["c"]["d"]), "multi.yml:7:6");
}

}  // namespace
}  // namespace auditstream
