// Micro-benchmark of the per-event timestamp parser against the C library's strptime+timegm, side by
// side in one run (ratios, not absolute numbers, are what to compare across machines).
#include <benchmark/benchmark.h>
#include <ctime>

#include "engine/event_time.h"

namespace {

constexpr const char* kTimestamps[] = {
    "2026-01-02T03:04:05.123456Z",
    "2019-11-30T23:59:59.999999Z",
    "2024-02-29T12:00:00Z",
    "2023-06-15T08:30:00.5+02:00",
};

void BM_ParseRfc3339(benchmark::State& state) {
  std::size_t i = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): Google Benchmark's loop idiom
    auto parsed = auditstream::parseRfc3339(kTimestamps[i++ & 3]);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseRfc3339);

// The libc baseline: seconds only (no fraction, no offset), so it does less work than ours.
void BM_StrptimeTimegm(benchmark::State& state) {
  std::size_t i = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): Google Benchmark's loop idiom
    std::tm parts{};
    const char* end = strptime(kTimestamps[i++ & 3], "%Y-%m-%dT%H:%M:%S", &parts);
    const std::time_t seconds = timegm(&parts);
    benchmark::DoNotOptimize(end);
    benchmark::DoNotOptimize(seconds);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StrptimeTimegm);

}  // namespace
