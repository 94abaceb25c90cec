// The service's one-line progress summary (stderr, every few seconds): events and rate, rejections,
// alerts by level, correlations, partitions, lag, messages in flight, commits.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "consumer/service_metrics.h"

namespace auditstream {

std::string progressLine(const ServiceTotals& totals, double seconds,
                         const std::map<std::string, std::uint64_t>& alertsByLevel, std::int64_t lag);

}  // namespace auditstream
