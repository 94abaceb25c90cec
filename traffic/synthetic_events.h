// Synthetic audit events for benchmarks (and later the traffic generator): deterministic for a seed,
// shaped like real control-plane traffic — leases and watches from controllers and kubelets, kubectl
// users, pod creations with full specs — at about 1.5 KB per event (RequestResponse level).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace auditstream {

// `count` events, one JSON object each (no newline).
std::vector<std::string> makeSyntheticEvents(std::size_t count, std::uint64_t seed);

}  // namespace auditstream
