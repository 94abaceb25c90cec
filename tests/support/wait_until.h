// waitUntil: tests wait for a condition with a deadline, never for a fixed time (STYLE.md #11).
//   ASSERT_TRUE(waitUntil([&] { return sink.count() == 3; }, std::chrono::seconds(10)));
#pragma once

#include <chrono>
#include <thread>

namespace auditstream::testing {

template <typename Predicate>
bool waitUntil(Predicate&& condition, std::chrono::milliseconds deadline,
               std::chrono::milliseconds pollEvery = std::chrono::milliseconds(20)) {
  const auto giveUpAt = std::chrono::steady_clock::now() + deadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= giveUpAt) return condition();
    std::this_thread::sleep_for(pollEvery);
  }
  return true;
}

}  // namespace auditstream::testing
