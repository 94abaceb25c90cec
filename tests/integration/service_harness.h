// What the service's integration tests share: producing and reading topics on the real broker, the
// alert ids `replay` gives for the same input (the expected answer), committed offsets, and running
// `auditstream run` as a separate process (so kill -9 is real) with its /metrics and /readyz.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "tests/integration/kafka_test_consumer.h"

namespace auditstream::service_it {

namespace fs = std::filesystem;
inline const fs::path kSource = AUDITSTREAM_SOURCE_DIR;

std::vector<std::string> lines(const fs::path& path);

// Alert ids `replay` gives for the inputs, with the cluster name the service will derive from the topic.
std::set<std::string> replayAlertIds(const std::string& cluster, const std::vector<fs::path>& inputs);

// Keyed by position ("0", "1", …): spread over the partitions like a shipper without a key.
Status produceAll(const std::string& bootstrap, const std::string& topic, const std::vector<std::string>& messages);
// Explicit (key, value) pairs.
Status produceKeyed(const std::string& bootstrap, const std::string& topic,
                    const std::vector<std::pair<std::string, std::string>>& messages);

// Everything on `topic`, read by a fresh group, until 5 s pass without a message.
std::vector<testing::ReceivedMessage> readAll(const std::string& bootstrap, const std::string& topic);

// Committed offset of `group` on every partition of `topic` equals its high watermark.
bool allCommitted(const std::string& bootstrap, const std::string& group, const std::string& topic, int partitions);

// The binary the tests run as the service: AUDITSTREAM_SERVICE_BINARY when set (to show a test fails on an
// older build), else the one built with the tests. `replay`, the expected answer, is always the new one.
const char* serviceBinary();

// Starts `auditstream run --config CONFIG` with stderr to LOG (appended); the pid, or -1.
pid_t spawnService(const std::string& configPath, const std::string& logPath);
// Starts the binary with `args` (`ingest --config FILE`), stderr to LOG (appended); the pid, or -1.
pid_t spawnCommand(const std::vector<std::string>& args, const std::string& logPath);

std::string fileText(const std::string& path);

// A port nothing listens on right now (bind to 0, read it back, close).
int freePort();

// Polls the service's /metrics until `wanted` appears in it (or `deadline` passes).
bool metricsShow(int port, const std::string& wanted, std::chrono::seconds deadline);

// `line` with every audit ID of the exec-attach and 403-burst cases made unique to `tag` (rounds and
// clusters then never share alert ids).
std::string retag(std::string line, const std::string& tag);

// Alert id → how many times it is on the alerts topic.
std::map<std::string, int> alertIdCounts(const std::string& bootstrap, const std::string& alerts);

// "STATUS BODY" of a GET on the service's endpoint, or "unreachable".
std::string httpGet(int port, const std::string& path);

// /metrics' value of a series written exactly so (its name, and its labels if any), 0 when absent or
// unreachable.
double metricValue(int port, const std::string& series);

// Runs `deploy/kafka/kafka-local VERB DIR` (a broker of the test's own: start, stop, restart); the
// bootstrap address it prints (start, restart), "stopped", or "" when it failed (its stderr is appended
// to DIR/../kafka-local.log).
std::string kafkaLocal(const std::string& verb, const fs::path& dir);

}  // namespace auditstream::service_it
