// engine/ knows nothing of Kafka, HTTP, metrics or YAML (ARCHITECTURE.md, dependency direction); nor does
// common/, which the engine links. sinks/ does not reach up into consumer/ (the pipeline uses the sinks,
// not the other way round), and the service (consumer/) does not link the load-test tools (loadtest/;
// the demo's traffic is traffic/). These tests fail with file:line when a rule is broken, and the
// planted-violation tests prove the scanner would notice.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

#include "tests/architecture/include_scanner.h"

namespace auditstream::testing {
namespace {

const std::filesystem::path kSourceDir = AUDITSTREAM_SOURCE_DIR;

// Header prefixes of librdkafka, prometheus-cpp, libcurl, yaml-cpp, civetweb and common HTTP/socket APIs.
const std::vector<std::string> kIoHeaders = {
    "librdkafka/", "rdkafka",     "prometheus/",  "curl/",    "yaml-cpp/",   "civetweb", "httplib",
    "boost/asio",  "boost/beast", "sys/socket.h", "netinet/", "arpa/inet.h", "netdb.h",
};
const std::vector<std::string> kIoTargets = {"RDKAFKA",  "CURL::",  "prometheus-cpp", "yaml-cpp",
                                             "civetweb", "Boost::", "OpenSSL::"};

std::string describe(const std::vector<ForbiddenInclude>& found) {
  std::string text;
  for (const auto& violation : found) text += violation.toString() + "\n";
  return text;
}

TEST(Layering, EngineIncludesNoIoHeaders) {
  const auto found = findForbiddenIncludes(kSourceDir / "engine", kIoHeaders);
  EXPECT_TRUE(found.empty()) << describe(found);
}

TEST(Layering, CommonIncludesNoIoHeaders) {
  const auto found = findForbiddenIncludes(kSourceDir / "common", kIoHeaders);
  EXPECT_TRUE(found.empty()) << describe(found);
}

TEST(Layering, EngineAndCommonLinkNoIoLibraries) {
  auto found = findForbiddenLinks(kSourceDir / "engine", kIoTargets);
  const auto common = findForbiddenLinks(kSourceDir / "common", kIoTargets);
  found.insert(found.end(), common.begin(), common.end());
  EXPECT_TRUE(found.empty()) << describe(found);
}

TEST(Layering, SinksDoNotReachIntoTheConsumer) {
  EXPECT_TRUE(findForbiddenIncludes(kSourceDir / "sinks", {"consumer/"}).empty())
      << describe(findForbiddenIncludes(kSourceDir / "sinks", {"consumer/"}));
  EXPECT_TRUE(findForbiddenLinks(kSourceDir / "sinks", {"auditstream_consumer"}).empty())
      << describe(findForbiddenLinks(kSourceDir / "sinks", {"auditstream_consumer"}));
}

TEST(Layering, IngestDoesNotReachIntoTheConsumer) {
  EXPECT_TRUE(findForbiddenIncludes(kSourceDir / "ingest", {"consumer/"}).empty())
      << describe(findForbiddenIncludes(kSourceDir / "ingest", {"consumer/"}));
  EXPECT_TRUE(findForbiddenLinks(kSourceDir / "ingest", {"auditstream_consumer"}).empty())
      << describe(findForbiddenLinks(kSourceDir / "ingest", {"auditstream_consumer"}));
}

TEST(Layering, TheServiceDoesNotLinkTheLoadTest) {
  EXPECT_TRUE(findForbiddenIncludes(kSourceDir / "consumer", {"loadtest/"}).empty())
      << describe(findForbiddenIncludes(kSourceDir / "consumer", {"loadtest/"}));
  EXPECT_TRUE(findForbiddenLinks(kSourceDir / "consumer", {"auditstream_loadtest"}).empty())
      << describe(findForbiddenLinks(kSourceDir / "consumer", {"auditstream_loadtest"}));
}

class PlantedViolation : public ::testing::Test {
 protected:
  void SetUp() override {
    // One folder per test and process: ctest runs the two tests at once, and one's TearDown must not
    // remove the other's files (it did, once in a parallel run).
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    root_ = std::filesystem::path(::testing::TempDir()) /
            ("layering_planted_" + test + "_" + std::to_string(::getpid())) / "engine";
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "nested");
  }
  void TearDown() override { std::filesystem::remove_all(root_.parent_path()); }
  void write(const std::string& name, const std::string& text) { std::ofstream(root_ / name) << text; }

  std::filesystem::path root_;
};

TEST_F(PlantedViolation, ScannerReportsFileLineAndHeader) {
  write("clean.h", "#pragma once\n#include <string>\n#include \"engine/event_time.h\"\n");
  write("nested/bad.cpp", "#include <vector>\n  #  include <librdkafka/rdkafka.h>\n#include \"curl/curl.h\"\n");
  const auto found = findForbiddenIncludes(root_, kIoHeaders);
  ASSERT_EQ(found.size(), 2U) << describe(found);
  EXPECT_EQ(describe(found),
            "engine/nested/bad.cpp:2: includes <librdkafka/rdkafka.h>\n"
            "engine/nested/bad.cpp:3: includes <curl/curl.h>\n");
}

TEST_F(PlantedViolation, LinkScannerIgnoresComments) {
  write("CMakeLists.txt", "# never link RDKAFKA here\ntarget_link_libraries(x PRIVATE PkgConfig::RDKAFKA)\n");
  const auto found = findForbiddenLinks(root_, kIoTargets);
  ASSERT_EQ(found.size(), 1U) << describe(found);
  EXPECT_EQ(found[0].line, 2);
}

}  // namespace
}  // namespace auditstream::testing
