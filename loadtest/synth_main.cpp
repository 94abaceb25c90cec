// auditstream-synth COUNT [SEED]: writes COUNT synthetic audit events (JSON lines) to stdout, for
// replay benchmarks on files. The full traffic generator with attack scenarios is a later issue.
#include <charconv>
#include <cstdio>
#include <string_view>

#include "traffic/synthetic_events.h"

int main(int argc, char** argv) {
  std::size_t count = 0;
  std::uint64_t seed = 42;
  const std::string_view countText = argc > 1 ? argv[1] : "";
  if (argc < 2 || std::from_chars(countText.data(), countText.data() + countText.size(), count).ec != std::errc()) {
    std::fputs("usage: auditstream-synth COUNT [SEED] > events.jsonl\n", stderr);
    return 2;
  }
  if (argc > 2) {
    const std::string_view seedText = argv[2];
    std::from_chars(seedText.data(), seedText.data() + seedText.size(), seed);
  }
  constexpr std::size_t kBatch = 10000;
  for (std::size_t done = 0; done < count; done += kBatch) {
    for (const std::string& event : auditstream::makeSyntheticEvents(std::min(kBatch, count - done), seed + done)) {
      std::fwrite(event.data(), 1, event.size(), stdout);
      std::fputc('\n', stdout);
    }
  }
  return 0;
}
