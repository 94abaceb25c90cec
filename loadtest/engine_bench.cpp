// Engine throughput on one thread, side by side in one run: the parse-only baseline (envelope + one-pass
// parse), the full bundled rule pack with the default database grouping (exact values in hash maps,
// everything else in one Hyperscan database per field), and the alternative grouping (every value in
// Hyperscan). Corpora: the real audit2rbac log (757 events) and synthetic ~1.5 KB RequestResponse events.
// Read items_per_second as events/s; compare ratios, not absolute numbers, across machines.
#include <malloc.h>

#include <benchmark/benchmark.h>
#include <fstream>

#include "config/rule_pack.h"
#include "config/sigma_rule_loader.h"
#include "engine/correlation_engine.h"
#include "engine/event_processor.h"
#include "traffic/synthetic_events.h"

namespace {

using namespace auditstream;

enum Corpus : int { kAudit2rbac = 0, kSynthetic = 1 };

const std::vector<std::string>& corpus(int which) {
  static const std::vector<std::string> audit2rbac = [] {
    std::vector<std::string> lines;
    std::ifstream in(std::string(AUDITSTREAM_DATASETS_DIR) +
                     "/audit2rbac/501d132ac21d46da9d9baa9d8f971cf55cdf8ef4/testdata/demo.log");
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(line);
    }
    return lines;
  }();
  static const std::vector<std::string> synthetic = makeSyntheticEvents(20000, 42);
  return which == kAudit2rbac ? audit2rbac : synthetic;
}

// The bundled detection rules without the correlations folder (correlations off).
std::shared_ptr<const RuleSet> bundledRules(bool exactValuesInHyperscan) {
  const std::string dir = AUDITSTREAM_BUNDLED_RULES_DIR;
  RuleLoad load = loadSigmaRules({dir + "/sigmahq", dir + "/auditstream", dir + "/field-mapping.yml"});
  load.options.exactValuesInHyperscan = exactValuesInHyperscan;
  return RuleSet::create(std::move(load.rules), load.options).rules;
}

void report(benchmark::State& state, const std::vector<std::string>& messages, std::size_t events) {
  std::size_t bytes = 0;
  for (const std::string& message : messages) bytes += message.size();
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes) * state.iterations());
  state.counters["bytes_per_event"] = static_cast<double>(bytes) / static_cast<double>(messages.size());
}

void BM_ParseOnly(benchmark::State& state) {
  const auto& messages = corpus(static_cast<int>(state.range(0)));
  auto processor = EventProcessor::create(bundledRules(false), EnvelopeOptions{}).value();
  std::size_t events = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): Google Benchmark's loop idiom
    for (const std::string& message : messages) events += processor->parseOnly(message);
  }
  report(state, messages, events);
}

void detect(benchmark::State& state, bool exactValuesInHyperscan) {
  const auto& messages = corpus(static_cast<int>(state.range(0)));
  auto processor = EventProcessor::create(bundledRules(exactValuesInHyperscan), EnvelopeOptions{}).value();
  const MessageContext context{"bench", std::nullopt, std::nullopt};
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): Google Benchmark's loop idiom
    for (const std::string& message : messages) benchmark::DoNotOptimize(processor->process(message, context));
  }
  report(state, messages, processor->counters().events);
  state.counters["alerts_per_event"] =
      static_cast<double>(processor->counters().ruleHits) / static_cast<double>(processor->counters().events);
}

void BM_DetectBundledPack(benchmark::State& state) { detect(state, false); }
void BM_DetectBundledPackAllInHyperscan(benchmark::State& state) { detect(state, true); }

BENCHMARK(BM_ParseOnly)->ArgName("corpus")->Arg(kAudit2rbac)->Arg(kSynthetic);
BENCHMARK(BM_DetectBundledPack)->ArgName("corpus")->Arg(kAudit2rbac)->Arg(kSynthetic);
BENCHMARK(BM_DetectBundledPackAllInHyperscan)->ArgName("corpus")->Arg(kAudit2rbac)->Arg(kSynthetic);

}  // namespace

namespace {

// Detection with the bundled correlations on: the same pack, base rules feeding the correlation engine
// (watermark advanced every 1,024 messages, as replay does). Compare with BM_DetectBundledPack.
void BM_DetectWithCorrelations(benchmark::State& state) {
  const auto& messages = corpus(static_cast<int>(state.range(0)));
  const RulePack pack = loadRulePack({AUDITSTREAM_BUNDLED_RULES_DIR});
  auto processor = EventProcessor::create(pack.rules, EnvelopeOptions{}, pack.correlations).value();
  CorrelationEngine engine(pack.correlations, CorrelationOptions{});
  const MessageContext context{"bench", std::nullopt, std::nullopt};
  std::size_t fired = 0;
  std::size_t i = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): Google Benchmark's loop idiom
    for (const std::string& message : messages) {
      ProcessResult result = processor->process(message, context);
      engine.add(0, result.latestEventTime, std::move(result.signals));
      if (++i % 1024 == 0) fired += engine.advance().size();
    }
  }
  fired += engine.advance().size();
  report(state, messages, processor->counters().events);
  state.counters["signals_per_event"] =
      static_cast<double>(engine.counters().signals) / static_cast<double>(processor->counters().events);
  benchmark::DoNotOptimize(fired);
}
BENCHMARK(BM_DetectWithCorrelations)->ArgName("corpus")->Arg(kAudit2rbac)->Arg(kSynthetic);

// Heap bytes per live event_count key (a 403 burst per user: gte 10 in 30 min), at 100k and 1M keys,
// each key holding one event — the common case of many identities with a single denial. (Until issue 15
// every signal was buffered before the first advance: the buffer's vectors, kept after draining, were
// counted as per-key memory where glibc had not mmapped them.)
void BM_CorrelationMemoryPerKey(benchmark::State& state) {
  const RulePack pack = loadRulePack({AUDITSTREAM_BUNDLED_RULES_DIR});
  std::uint32_t burst = 0;
  for (std::uint32_t i = 0; i < pack.correlations->size(); ++i) {
    if (pack.correlations->at(i).meta->id == "7a0c1e52-5f7d-4a39-9d41-000000000101") burst = i;
  }
  const auto keys = static_cast<std::size_t>(state.range(0));
  double bytesPerKey = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): Google Benchmark's loop idiom
    const std::size_t before = mallinfo2().uordblks;
    {
      CorrelationEngine engine(pack.correlations, CorrelationOptions{.maxKeysPerCorrelation = keys});
      // A stream: a signal a millisecond, the watermark advanced every 1,000 signals, as the service does
      // (the buffer of signals waiting for the watermark stays small; it is not per-key state).
      for (std::size_t i = 0; i < keys; ++i) {
        if (i % 1000 == 0) {
          engine.observe(0, EventTime{static_cast<std::int64_t>(i) * 1'000'000});
          engine.advance();
        }
        Signal signal;
        signal.correlation = burst;
        signal.time = EventTime{static_cast<std::int64_t>(i) * 1'000'000};
        signal.cluster = "prod-eu-1";
        signal.groupBy = {
            {"user.username", "system:serviceaccount:team-" + std::to_string(i % 500) + ":app-" + std::to_string(i)}};
        signal.auditId = "0b4c5e1e-8a9f-4c7d-9e2a-" + std::to_string(100000000000 + i);
        engine.add(std::move(signal));
      }
      engine.finish();
      bytesPerKey = static_cast<double>(mallinfo2().uordblks - before) / static_cast<double>(keys);
      state.counters["live_keys"] = static_cast<double>(engine.counters().liveKeys);
    }
  }
  state.counters["bytes_per_key"] = bytesPerKey;
}
BENCHMARK(BM_CorrelationMemoryPerKey)->Arg(100000)->Arg(1000000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
