// auditstream-produce: JSON lines from a file (or stdin) onto a Kafka topic, as fast as the broker takes
// them — keyed by line number (spread over partitions like a shipper without a key), lz4, acks=all. The
// topic is created with --partitions when it does not exist. Progress every second on stderr; the rate
// at the end. For measuring the service end to end (and, later, the load-test harness).
//
// usage: auditstream-produce --bootstrap HOST:PORT --topic T [--partitions N] [FILE|-]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <thread>

#include "sinks/kafka_admin.h"
#include "sinks/kafka_client.h"

namespace {

int usage() {
  std::fputs("usage: auditstream-produce --bootstrap HOST:PORT --topic T [--partitions N] [FILE|-]\n", stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace auditstream;
  std::string bootstrap;
  std::string topic;
  int partitions = 6;
  std::string input = "-";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--bootstrap" && i + 1 < argc) {
      bootstrap = argv[++i];
    } else if (arg == "--topic" && i + 1 < argc) {
      topic = argv[++i];
    } else if (arg == "--partitions" && i + 1 < argc) {
      partitions = std::stoi(argv[++i]);
    } else if (!arg.starts_with("--")) {
      input = arg;
    } else {
      return usage();
    }
  }
  if (bootstrap.empty() || topic.empty() || partitions < 1) return usage();
  Result<KafkaClientPtr> producer =
      makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"bootstrap.servers", bootstrap},
                                                         {"acks", "all"},
                                                         {"linger.ms", "20"},
                                                         {"batch.size", "1000000"},
                                                         {"compression.type", "lz4"},
                                                         {"queue.buffering.max.kbytes", "1048576"}});
  if (!producer) {
    std::fprintf(stderr, "auditstream-produce: %s\n", producer.status().message().c_str());
    return 1;
  }
  if (!topicPartitionCount(producer->get(), topic, std::chrono::seconds(10))) {
    const Status created = createTopic(producer->get(), TopicSpec{topic, partitions, 1}, std::chrono::seconds(30));
    if (!created.isOk()) {
      std::fprintf(stderr, "auditstream-produce: %s\n", created.message().c_str());
      return 1;
    }
  }
  std::ifstream file;
  if (input != "-") {
    file.open(input);
    if (!file) {
      std::fprintf(stderr, "auditstream-produce: cannot read %s\n", input.c_str());
      return 1;
    }
  }
  std::istream& in = input == "-" ? std::cin : file;
  const auto start = std::chrono::steady_clock::now();
  auto lastReport = start;
  std::uint64_t count = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const std::string key = std::to_string(count);
    while (true) {
      KafkaErrorPtr error = produceCopy(producer->get(), topic, key, line);
      if (!error) break;
      if (rd_kafka_error_code(error.get()) != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        std::fprintf(stderr, "auditstream-produce: %s\n", rd_kafka_error_string(error.get()));
        return 1;
      }
      rd_kafka_poll(producer->get(), 10);
    }
    ++count;
    rd_kafka_poll(producer->get(), 0);
    const auto now = std::chrono::steady_clock::now();
    if (now - lastReport > std::chrono::seconds(1)) {
      lastReport = now;
      std::fprintf(stderr, "auditstream-produce: %llu messages\n", static_cast<unsigned long long>(count));
    }
  }
  if (rd_kafka_flush(producer->get(), 120'000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::fprintf(stderr, "auditstream-produce: flush timed out; %d messages undelivered\n",
                 rd_kafka_outq_len(producer->get()));
    return 1;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "auditstream-produce: %llu messages to %s in %.1f s (%.0f/s)\n",
               static_cast<unsigned long long>(count), topic.c_str(), seconds, static_cast<double>(count) / seconds);
  return 0;
}
