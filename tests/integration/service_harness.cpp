#include "tests/integration/service_harness.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sstream>

#include "sinks/http_client.h"
#include "sinks/kafka_client.h"
#include "tests/support/integration_servers.h"
#include "tests/support/wait_until.h"

extern char** environ;  // NOLINT: POSIX

namespace auditstream::service_it {

std::vector<std::string> lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// Alert ids `replay` gives for the inputs, with the cluster name the service will derive from the topic.
std::set<std::string> replayAlertIds(const std::string& cluster, const std::vector<fs::path>& inputs) {
  std::string command = std::string(AUDITSTREAM_BINARY) + " replay --quiet --rules " +
                        (kSource / "config/rules").string() + " --cluster " + cluster;
  for (const fs::path& input : inputs) command += " " + input.string();
  std::set<std::string> ids;
  FILE* pipe = popen(command.c_str(), "r");
  simdjson::dom::parser parser;
  char buffer[1 << 16];
  while (pipe != nullptr && std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
    ids.emplace(std::string_view(parser.parse(std::string(buffer))["id"]));
  }
  if (pipe != nullptr) pclose(pipe);
  return ids;
}

Status produceAll(const std::string& bootstrap, const std::string& topic, const std::vector<std::string>& messages) {
  ASSIGN_OR_RETURN(KafkaClientPtr producer,
                   makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"bootstrap.servers", bootstrap}}));
  for (std::size_t i = 0; i < messages.size(); ++i) {
    KafkaErrorPtr error = produceCopy(producer.get(), topic, std::to_string(i), messages[i]);
    if (error) return unavailable(rd_kafka_error_string(error.get()));
  }
  if (rd_kafka_flush(producer.get(), 30'000) != RD_KAFKA_RESP_ERR_NO_ERROR) return unavailable("flush timed out");
  return Status::ok();
}

Status produceKeyed(const std::string& bootstrap, const std::string& topic,
                    const std::vector<std::pair<std::string, std::string>>& messages) {
  ASSIGN_OR_RETURN(KafkaClientPtr producer,
                   makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"bootstrap.servers", bootstrap}}));
  for (const auto& [key, value] : messages) {
    KafkaErrorPtr error = produceCopy(producer.get(), topic, key, value);
    if (error) return unavailable(rd_kafka_error_string(error.get()));
  }
  if (rd_kafka_flush(producer.get(), 30'000) != RD_KAFKA_RESP_ERR_NO_ERROR) return unavailable("flush timed out");
  return Status::ok();
}

// Everything on `topic`, read by a fresh group, until `idle` passes without a message.
std::vector<testing::ReceivedMessage> readAll(const std::string& bootstrap, const std::string& topic) {
  auto consumer = testing::TestGroupConsumer::create(bootstrap, testing::uniqueName("reader")).value();
  EXPECT_TRUE(consumer->subscribe(topic).isOk());
  std::vector<testing::ReceivedMessage> out;
  int quiet = 0;
  while (quiet < 10) {
    auto message = consumer->pollOnce(std::chrono::milliseconds(500));
    if (message) {
      out.push_back(std::move(*message));
      quiet = 0;
    } else if (consumer->assignedPartitions() > 0) {
      ++quiet;
    }
  }
  EXPECT_TRUE(consumer->close().isOk());
  return out;
}

// Committed offset of `group` on every partition of `topic` equals its high watermark.
bool allCommitted(const std::string& bootstrap, const std::string& group, const std::string& topic, int partitions) {
  auto client =
      makeKafkaClient(RD_KAFKA_CONSUMER, KafkaProperties{{"bootstrap.servers", bootstrap}, {"group.id", group}});
  if (!client) return false;
  KafkaPartitionListPtr list(rd_kafka_topic_partition_list_new(partitions));
  for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p);
  if (rd_kafka_committed(client->get(), list.get(), 10'000) != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
  for (int p = 0; p < partitions; ++p) {
    std::int64_t low = 0;
    std::int64_t high = 0;
    if (rd_kafka_query_watermark_offsets(client->get(), topic.c_str(), p, &low, &high, 10'000) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      return false;
    }
    if (list->elems[p].offset != high) return false;
  }
  return true;
}

// Starts `auditstream run --config CONFIG` with stderr to LOG; the pid, or -1.
const char* serviceBinary() {
  const char* other = std::getenv("AUDITSTREAM_SERVICE_BINARY");
  return other != nullptr && *other != '\0' ? other : AUDITSTREAM_BINARY;
}

pid_t spawnService(const std::string& configPath, const std::string& logPath) {
  return spawnCommand({"run", "--config", configPath}, logPath);
}

pid_t spawnCommand(const std::vector<std::string>& args, const std::string& logPath) {
  const char* binary = serviceBinary();
  std::vector<char*> argv = {const_cast<char*>(binary)};
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  pid_t pid = -1;
  if (posix_spawn(&pid, binary, &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

std::string fileText(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();  // (istreambuf_iterator trips GCC 12's -Wnull-dereference at -O2)
  return text.str();
}

// A port nothing listens on right now (bind to 0, read it back, close).
int freePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

// Polls the service's /metrics until `wanted` appears in it (or `deadline` passes).
bool metricsShow(int port, const std::string& wanted, std::chrono::seconds deadline) {
  return testing::waitUntil(
      [&] {
        auto client = HttpClient::create().value();
        auto response = client.send({"GET", "http://127.0.0.1:" + std::to_string(port) + "/metrics", "", {}});
        return response && response->body.find(wanted) != std::string::npos;
      },
      deadline, std::chrono::milliseconds(100));
}

std::string httpGet(int port, const std::string& path) {
  auto client = HttpClient::create().value();
  auto response = client.send({"GET", "http://127.0.0.1:" + std::to_string(port) + path, "", {}});
  return response ? std::to_string(response->status) + " " + response->body : "unreachable";
}

// `line` with every audit ID made unique to `tag` (so rounds and clusters do not share alert ids).
std::string retag(std::string line, const std::string& tag) {
  for (const std::string prefix : {"corr-forbidden-burst-per-user-", "exec-attach-"}) {
    for (std::size_t at = line.find(prefix); at != std::string::npos; at = line.find(prefix, at + 1)) {
      line.insert(at + prefix.size(), tag + "-");
    }
  }
  return line;
}

std::map<std::string, int> alertIdCounts(const std::string& bootstrap, const std::string& alerts) {
  simdjson::dom::parser parser;
  std::map<std::string, int> received;
  for (const auto& message : readAll(bootstrap, alerts)) {
    ++received[std::string(std::string_view(parser.parse(message.value)["id"]))];
  }
  return received;
}

double metricValue(int port, const std::string& series) {
  std::istringstream lines(httpGet(port, "/metrics"));
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(series + " ")) return std::stod(line.substr(series.size() + 1));
  }
  return 0;
}

// Runs `kafka-local VERB DIR`; the bootstrap address it prints (start, restart), or "" when it failed.
std::string kafkaLocal(const std::string& verb, const fs::path& dir) {
  const std::string command = std::string(AUDITSTREAM_KAFKA_LOCAL) + " " + verb + " " + dir.string() + " 2>>" +
                              (dir.parent_path() / "kafka-local.log").string();
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  char line[256] = {};
  std::string out;
  while (std::fgets(line, sizeof line, pipe) != nullptr) out += line;
  const int status = pclose(pipe);
  if (status != 0) return "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return verb == "stop" ? "stopped" : out;
}

}  // namespace auditstream::service_it
