// SplitMix: a small, fast, deterministic random source for the generators (SplitMix64). Not for secrets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace auditstream {

class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31U);
  }
  std::size_t below(std::size_t bound) { return static_cast<std::size_t>(next() % bound); }
  // true with probability `p`
  bool chance(double p) { return static_cast<double>(next() >> 11U) * 0x1.0p-53 < p; }
  // `digits` random lower-case hex digits (names, hashes, uids)
  std::string hex(int digits) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < digits; ++i) out += kHex[below(16)];
    return out;
  }

 private:
  std::uint64_t state_;
};

}  // namespace auditstream
