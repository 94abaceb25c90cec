// auditstream-state-restore: how long a correlation task takes to restore N live keys from the state
// changelog on the real broker, and how many bytes the changelog holds for them (BENCHMARKS.md, "State
// changelog"). Writes one changelog partition as a task's checkpoints would — N event_count keys of the
// 403-burst correlation, each with one event (60-character keys, apiserver audit IDs), then the task
// record — and reads it back: the read (readStateChangelog) and the engine's restore timed apart.
//
//   auditstream-state-restore --bootstrap HOST:PORT --keys N [--topic NAME]
//
// Prints one JSON line. Nothing here is a test.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "config/rule_pack.h"
#include "consumer/state_changelog.h"
#include "engine/correlation_key_state.h"
#include "sinks/kafka_admin.h"

namespace auditstream {
namespace {

using SteadyClock = std::chrono::steady_clock;

double secondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

int run(const std::string& bootstrap, std::size_t keys, const std::string& topic) {
  const RulePack pack = loadRulePack({AUDITSTREAM_BUNDLED_RULES_DIR});
  std::uint32_t burst = 0;
  for (std::uint32_t i = 0; i < pack.correlations->size(); ++i) {
    if (pack.correlations->at(i).meta->id == "7a0c1e52-5f7d-4a39-9d41-000000000101") burst = i;
  }
  const CompiledCorrelation& correlation = pack.correlations->at(burst);
  const KafkaProperties properties{{"bootstrap.servers", bootstrap}};
  auto admin = makeKafkaClient(RD_KAFKA_PRODUCER, properties).value();
  const Status created =
      createTopic(admin.get(), TopicSpec{topic, 1, 1, {{"cleanup.policy", "compact"}}}, std::chrono::seconds(30));
  if (!created.isOk()) {
    std::fprintf(stderr, "cannot create %s: %s\n", topic.c_str(), created.message().c_str());
    return 1;
  }
  KafkaProperties producerProperties = properties;
  producerProperties["linger.ms"] = "20";
  producerProperties["compression.type"] = "lz4";
  producerProperties["batch.size"] = "1000000";
  auto producer = DurableProducer::create(producerProperties, topic, "state record", "as-bench").value();
  StateChangelog changelog(std::move(producer));
  const auto writeStart = SteadyClock::now();
  constexpr std::size_t kPerCheckpoint = 10'000;
  for (std::size_t written = 0; written < keys;) {
    TaskCheckpoint checkpoint;
    checkpoint.meta.checkpoint = written / kPerCheckpoint + 1;
    checkpoint.meta.nextOffset = static_cast<std::int64_t>(written);
    for (std::size_t n = 0; n < kPerCheckpoint && written < keys; ++n, ++written) {
      KeyState state;
      char id[64];
      std::snprintf(id, sizeof id, "0b4c5e1e-8a9f-4c7d-9e2a-%012zu", written);
      state.entries.push_back({EventTime{static_cast<std::int64_t>(written) * 1000}, AuditId(id)});
      KeyChange& change = checkpoint.keys.emplace_back();
      change.correlation = burst;
      change.key = "prod-eu-1\x1fsystem:serviceaccount:team-" + std::to_string(written % 500) + ":app-" +
                   std::to_string(written);
      encodeKeyState(state, change.state.emplace());
    }
    changelog.write(0, std::move(checkpoint), *pack.correlations);
  }
  changelog.flush(std::chrono::minutes(10));
  const double writeSeconds = secondsSince(writeStart);
  const ChangelogCounters written = changelog.counters();

  const auto readStart = SteadyClock::now();
  Result<RestoreResult> read = readStateChangelog(properties, topic, {0}, std::chrono::seconds(60), Logger{});
  if (!read) {
    std::fprintf(stderr, "restore failed: %s\n", read.status().message().c_str());
    return 1;
  }
  const double readSeconds = secondsSince(readStart);
  TaskSnapshot& snapshot = read->snapshots.at(0);
  const auto restoreStart = SteadyClock::now();
  CorrelationOptions options;
  options.maxKeysPerCorrelation = keys;
  CorrelationEngine engine(pack.correlations, options);
  engine.restoreClocks(snapshot.meta.clocks);
  std::size_t restored = 0;
  for (StoredKey& stored : snapshot.keys) {
    if (stored.fingerprint == correlation.fingerprint &&
        engine.restoreKey(burst, std::move(stored.key), stored.state).isOk()) {
      ++restored;
    }
  }
  const double restoreSeconds = secondsSince(restoreStart);
  std::printf(
      "{\"keys\": %zu, \"records\": %llu, \"changelog_bytes\": %llu, \"bytes_per_key_record\": %.1f, "
      "\"write_s\": %.2f, \"read_s\": %.2f, \"engine_restore_s\": %.2f, \"restore_total_s\": %.2f, "
      "\"restored_keys\": %zu}\n",
      keys, static_cast<unsigned long long>(read->records), static_cast<unsigned long long>(written.bytes),
      static_cast<double>(written.bytes) / static_cast<double>(keys), writeSeconds, readSeconds, restoreSeconds,
      readSeconds + restoreSeconds, restored);
  return restored == keys ? 0 : 1;
}

}  // namespace
}  // namespace auditstream

int main(int argc, char** argv) {
  std::string bootstrap;
  std::size_t keys = 100'000;
  std::string topic = "bench.state." + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--bootstrap") == 0) bootstrap = argv[i + 1];
    if (std::strcmp(argv[i], "--keys") == 0) keys = std::stoul(argv[i + 1]);
    if (std::strcmp(argv[i], "--topic") == 0) topic = argv[i + 1];
  }
  if (bootstrap.empty()) {
    std::fprintf(stderr, "usage: auditstream-state-restore --bootstrap HOST:PORT --keys N [--topic NAME]\n");
    return 2;
  }
  return auditstream::run(bootstrap, keys, topic);
}
