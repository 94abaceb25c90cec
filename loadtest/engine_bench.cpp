// Engine throughput on one thread, side by side in one run: the parse-only baseline (envelope + one-pass
// parse), the full bundled rule pack with the default database grouping (exact values in hash maps,
// everything else in one Hyperscan database per field), and the alternative grouping (every value in
// Hyperscan). Corpora: the real audit2rbac log (757 events) and synthetic ~1.5 KB RequestResponse events.
// Read items_per_second as events/s; compare ratios, not absolute numbers, across machines.
#include <benchmark/benchmark.h>
#include <fstream>

#include "config/sigma_rule_loader.h"
#include "engine/event_processor.h"
#include "loadtest/synthetic_events.h"

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

std::shared_ptr<const RuleSet> bundledRules(bool exactValuesInHyperscan) {
  RuleLoad load = loadSigmaRules({AUDITSTREAM_BUNDLED_RULES_DIR});
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
  std::vector<Alert> alerts;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): Google Benchmark's loop idiom
    for (const std::string& message : messages) {
      alerts.clear();
      processor->process(message, context, alerts);
    }
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
