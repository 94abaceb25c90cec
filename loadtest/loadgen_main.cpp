// auditstream-loadgen: realistic multi-cluster audit traffic with attacks injected at known times, and
// the ground truth of what must be detected. See loadtest/traffic_schedule.h for the model.
//
//   auditstream-loadgen [options] --bootstrap HOST:PORT   produce to Kafka: topic <prefix><cluster> each
//   auditstream-loadgen [options] --out FILE              JSON lines for `auditstream replay`
//
// Paced by default: event time is the wall clock and events leave at --rate (plus the people's pace).
// With --max (always with --out), events leave as fast as the producer takes them and event time runs
// on a virtual clock at the nominal --rate from --start. Keys follow the shipper setting --key: user
// (Vector's key_field / Fluent Bit's message_key_field on user.username, which co-partitions the
// per-identity correlations), apiserver (the API server instance the shipper runs beside) or none.
#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>

#include "engine/event_time.h"
#include "sinks/kafka_admin.h"
#include "sinks/kafka_client.h"
#include "traffic/traffic_schedule.h"

namespace {

using namespace auditstream;

constexpr const char* kUsage =
    "usage: auditstream-loadgen (--bootstrap HOST:PORT | --out FILE) [--truth FILE]\n"
    "         [--rate EVENTS_PER_S] [--max] [--duration SECONDS | --events N] [--seed N]\n"
    "         [--clusters N] [--nodes N] [--people N] [--attack-every SECONDS] [--attack-start SECONDS]\n"
    "         [--history MINUTES] [--topic-prefix P] [--partitions N] [--key user|apiserver|none]\n"
    "         [--start RFC3339]\n";

struct Options {
  std::string bootstrap;
  std::string outFile;
  std::string truthFile;
  std::string topicPrefix = "audit.";
  std::string key = "user";
  std::string start = "2026-03-01T10:00:00Z";
  double rate = 10'000;
  double duration = 60;
  std::uint64_t events = 0;  // 0: --duration decides
  bool max = false;
  int partitions = 6;
  int clusters = 4;
  int nodes = 40;
  int people = 4;
  ScheduleOptions schedule;
};

volatile std::sig_atomic_t stopSignal = 0;
extern "C" void onSignal(int) { stopSignal = 1; }

bool parse(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    try {
      if (arg == "--bootstrap")
        options.bootstrap = value();
      else if (arg == "--out")
        options.outFile = value();
      else if (arg == "--truth")
        options.truthFile = value();
      else if (arg == "--rate")
        options.rate = std::stod(value());
      else if (arg == "--max")
        options.max = true;
      else if (arg == "--duration")
        options.duration = std::stod(value());
      else if (arg == "--events")
        options.events = std::stoull(value());
      else if (arg == "--seed")
        options.schedule.seed = std::stoull(value());
      else if (arg == "--clusters")
        options.clusters = std::stoi(value());
      else if (arg == "--nodes")
        options.nodes = std::stoi(value());
      else if (arg == "--people")
        options.people = std::stoi(value());
      else if (arg == "--attack-every")
        options.schedule.attackEverySeconds = std::stod(value());
      else if (arg == "--attack-start")
        options.schedule.attackStartSeconds = std::stod(value());
      else if (arg == "--history")
        options.schedule.historyMinutes = std::stoi(value());
      else if (arg == "--topic-prefix")
        options.topicPrefix = value();
      else if (arg == "--partitions")
        options.partitions = std::stoi(value());
      else if (arg == "--key")
        options.key = value();
      else if (arg == "--start")
        options.start = value();
      else
        return false;
    } catch (const std::exception&) {
      std::fprintf(stderr, "auditstream-loadgen: %s needs a number\n", std::string(arg).c_str());
      return false;
    }
  }
  if (options.bootstrap.empty() == options.outFile.empty()) return false;
  if (options.key != "user" && options.key != "apiserver" && options.key != "none") return false;
  if (options.clusters < 1 || options.rate <= 0 || options.partitions < 1 || options.people < 0) return false;
  return true;
}

std::string clusterName(int index) {
  static constexpr std::array<std::string_view, 4> kRegions = {"eu-west", "us-east", "ap-south", "eu-central"};
  char number[16];
  std::snprintf(number, sizeof number, "%02d", index / 4 + 1);
  return "prod-" + std::string(kRegions[static_cast<std::size_t>(index) % kRegions.size()]) + "-" + number;
}

std::vector<ClusterProfile> makeClusters(const Options& options) {
  static constexpr std::array<std::string_view, 8> kPeople = {"alice", "bob",   "carol", "dave",
                                                              "erin",  "frank", "grace", "heidi"};
  std::vector<ClusterProfile> clusters;
  for (int c = 0; c < options.clusters; ++c) {
    ClusterProfile profile{clusterName(c), options.nodes, {}};
    for (int p = 0; p < options.people; ++p) {
      profile.humans.push_back(std::string(kPeople[static_cast<std::size_t>(p) % kPeople.size()]) +
                               (p >= 8 ? std::to_string(p / 8) : "") + "@corp.example");
    }
    clusters.push_back(std::move(profile));
  }
  return clusters;
}

// Where events go: a Kafka producer or a file.
class Output {
 public:
  Output(const Options& options, const std::vector<ClusterProfile>& clusters) : options_(options) {
    for (const ClusterProfile& cluster : clusters) topics_.push_back(options.topicPrefix + cluster.name);
  }

  std::string open() {
    if (!options_.outFile.empty()) {
      file_.open(options_.outFile, std::ios::binary | std::ios::trunc);
      return file_ ? "" : "cannot write " + options_.outFile;
    }
    Result<KafkaClientPtr> producer =
        makeKafkaClient(RD_KAFKA_PRODUCER, KafkaProperties{{"bootstrap.servers", options_.bootstrap},
                                                           {"acks", "all"},
                                                           {"linger.ms", "5"},
                                                           {"batch.size", "1000000"},
                                                           {"compression.type", "lz4"},
                                                           {"queue.buffering.max.kbytes", "1048576"}});
    if (!producer) return producer.status().message();
    producer_ = std::move(*producer);
    for (const std::string& topic : topics_) {
      if (topicPartitionCount(producer_.get(), topic, std::chrono::seconds(10))) continue;
      const Status created =
          createTopic(producer_.get(), TopicSpec{topic, options_.partitions, 1}, std::chrono::seconds(30));
      if (!created.isOk()) return created.message();
    }
    return "";
  }

  // false when the producer failed for good
  bool write(const StampedEvent& stamped) {
    const GeneratedEvent& event = stamped.event;
    if (file_.is_open()) {
      file_ << event.json << '\n';
      return static_cast<bool>(file_);
    }
    key_.clear();
    if (options_.key == "user") {
      key_ = event.user;
    } else if (options_.key == "apiserver") {
      key_ = topics_[event.cluster] + "/kube-apiserver-" + std::to_string(event.auditId.back() % 3);
    }
    while (true) {
      KafkaErrorPtr error = produceCopy(producer_.get(), topics_[event.cluster], key_, event.json);
      if (!error) break;
      if (rd_kafka_error_code(error.get()) != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        std::fprintf(stderr, "auditstream-loadgen: %s\n", rd_kafka_error_string(error.get()));
        return false;
      }
      rd_kafka_poll(producer_.get(), 5);
    }
    return true;
  }

  void poll() {
    if (producer_) rd_kafka_poll(producer_.get(), 0);
  }

  bool finish() {
    if (file_.is_open()) {
      file_.flush();
      return static_cast<bool>(file_);
    }
    if (rd_kafka_flush(producer_.get(), 120'000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "auditstream-loadgen: flush timed out; %d messages undelivered\n",
                   rd_kafka_outq_len(producer_.get()));
      return false;
    }
    return true;
  }

 private:
  const Options& options_;
  std::vector<std::string> topics_;
  std::ofstream file_;
  KafkaClientPtr producer_;
  std::string key_;
};

std::int64_t wallNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const bool paced = options.outFile.empty() && !options.max;
  std::int64_t startNanos = wallNanos();
  if (!paced) {
    const std::optional<EventTime> start = parseRfc3339(options.start);
    if (!start) {
      std::fprintf(stderr, "auditstream-loadgen: --start %s is not an RFC 3339 time\n", options.start.c_str());
      return 2;
    }
    startNanos = start->nanosSinceEpoch;
  }
  startNanos -= startNanos % TrafficSchedule::kStepNanos;
  options.schedule.clusters = makeClusters(options);
  options.schedule.machineEventsPerSecond = options.rate;
  TrafficSchedule schedule(options.schedule, startNanos);
  Output output(options, schedule.clusters());
  if (const std::string problem = output.open(); !problem.empty()) {
    std::fprintf(stderr, "auditstream-loadgen: %s\n", problem.c_str());
    return 1;
  }
  std::ofstream truth;
  if (!options.truthFile.empty()) {
    truth.open(options.truthFile, std::ios::trunc);
    if (!truth) {
      std::fprintf(stderr, "auditstream-loadgen: cannot write %s\n", options.truthFile.c_str());
      return 1;
    }
  }
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);

  std::uint64_t produced = 0;
  std::uint64_t attackEvents = 0;
  std::uint64_t scenarios = 0;
  for (const StampedEvent& event : schedule.history()) {
    if (!output.write(event)) return 1;
    ++produced;
  }
  const std::uint64_t historyEvents = produced;
  const auto began = std::chrono::steady_clock::now();
  auto lastReport = began;
  std::uint64_t lastCount = produced;
  const auto endNanos = startNanos + static_cast<std::int64_t>(options.duration * 1e9);
  std::vector<ScenarioInstance> injected;
  while (stopSignal == 0) {
    if (options.events > 0 ? produced - historyEvents >= options.events : schedule.stepStartNanos() >= endNanos) break;
    if (paced) {  // events of a step leave once the step has passed, so no event time lies in the future
      const std::int64_t wait = schedule.stepStartNanos() + TrafficSchedule::kStepNanos - wallNanos();
      if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
    }
    injected.clear();
    for (const StampedEvent& event : schedule.nextStep(injected)) {
      if (!output.write(event)) return 1;
      ++produced;
      attackEvents += event.attack ? 1 : 0;
    }
    for (const ScenarioInstance& instance : injected) {
      ++scenarios;
      if (truth.is_open()) truth << groundTruthLine(instance, schedule.clusters()[instance.cluster].name) << '\n';
    }
    output.poll();
    const auto now = std::chrono::steady_clock::now();
    if (now - lastReport >= std::chrono::seconds(1)) {
      const double seconds = std::chrono::duration<double>(now - lastReport).count();
      std::fprintf(
          stderr, "auditstream-loadgen: %llu events, %llu scenarios, %.0f events/s%s\n",
          static_cast<unsigned long long>(produced), static_cast<unsigned long long>(scenarios),
          static_cast<double>(produced - lastCount) / seconds,
          paced && wallNanos() - schedule.stepStartNanos() > 1'000'000'000 ? " (behind the offered rate)" : "");
      lastReport = now;
      lastCount = produced;
    }
  }
  // Complete the scenarios already in the ground truth (a sequence may reach past the end).
  for (const StampedEvent& event : schedule.takeRemainingAttacks()) {
    if (paced) {
      const std::int64_t wait = event.nanos - wallNanos();
      if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
    }
    if (!output.write(event)) return 1;
    ++produced;
    ++attackEvents;
  }
  if (!output.finish()) return 1;
  truth.flush();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  std::fprintf(stderr,
               "auditstream-loadgen: done: %llu events (%llu history, %llu attack, %llu scenarios) in %.1f s = %.0f "
               "events/s\n",
               static_cast<unsigned long long>(produced), static_cast<unsigned long long>(historyEvents),
               static_cast<unsigned long long>(attackEvents), static_cast<unsigned long long>(scenarios), seconds,
               static_cast<double>(produced - historyEvents) / seconds);
  return 0;
}
