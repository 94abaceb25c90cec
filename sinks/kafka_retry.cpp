#include "sinks/kafka_retry.h"

#include <algorithm>

namespace auditstream {
namespace {

constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::seconds(5);

}  // namespace

bool refusedForGood(rd_kafka_resp_err_t error) {
  switch (error) {
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE: return true;
    default: return false;
  }
}

std::chrono::steady_clock::duration resendBackoff(int attempts) {
  std::chrono::steady_clock::duration backoff = kFirstBackoff;
  for (int i = 1; i < attempts && backoff < kMaxBackoff; ++i) backoff *= 2;
  return std::min<std::chrono::steady_clock::duration>(backoff, kMaxBackoff);
}

}  // namespace auditstream
