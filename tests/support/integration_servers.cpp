#include "tests/support/integration_servers.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace auditstream::testing {
namespace {

Result<std::string> serverDirectory() {
  const char* dir = std::getenv("AUDITSTREAM_IT_DIR");  // NOLINT(concurrency-mt-unsafe): no setenv in tests
  if (dir == nullptr || *dir == '\0') {
    return failedPrecondition(
        "AUDITSTREAM_IT_DIR is not set: run integration tests through ctest, whose fixtures "
        "start the servers (or start them with deploy/*/…-local start DIR and export it)");
  }
  return std::string(dir);
}

Result<std::string> readFirstLine(const std::string& relative, const std::string& fixture) {
  ASSIGN_OR_RETURN(const std::string dir, serverDirectory());
  const std::string path = dir + "/" + relative;
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line) || line.empty()) {
    return unavailable(path + " is missing: the " + fixture +
                       " fixture did not start its server; see that test's output for the reason");
  }
  return line;
}

}  // namespace

Result<std::string> kafkaBootstrap() { return readFirstLine("kafka/bootstrap", "integration.kafka.start"); }
Result<std::string> alertmanagerUrl() { return readFirstLine("alertmanager/url", "integration.alertmanager.start"); }

Result<std::string> webhookLogPath() {
  ASSIGN_OR_RETURN(const std::string url, alertmanagerUrl());  // the receiver starts before Alertmanager
  ASSIGN_OR_RETURN(const std::string dir, serverDirectory());
  return dir + "/alertmanager/webhook.jsonl";
}

std::string uniqueName(const std::string& prefix) {
  static std::atomic<int> counter{0};
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  std::ostringstream name;
  name << prefix << '-' << ::getpid() << '-' << std::chrono::duration_cast<std::chrono::milliseconds>(now).count()
       << '-' << counter.fetch_add(1);
  return name.str();
}

}  // namespace auditstream::testing
