// Where audit events sit inside a Kafka message, and how much a message may hold. Filled from the
// service config (config/) or the replay command line; validated by EnvelopeDecoder::create.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace auditstream {

struct EnvelopeOptions {
  // Paths at which a message carries an audit Event (or EventList) encoded as a JSON *string*.
  // `[]` fans out over an array. Defaults cover Fluent Bit (`log`), CloudWatch Logs subscriptions
  // (`message`) and Azure diagnostic exports via Event Hubs (`records[].properties.log`, or one record's
  // `properties.log`). A plain Event,
  // an EventList (`items`) and a JSON array of Events are always recognised.
  std::vector<std::string> stringPaths = {"log", "message", "records[].properties.log", "properties.log"};
  std::size_t maxMessageBytes = 4U << 20U;  // 4 MiB: RequestResponse events of large objects fit
};

}  // namespace auditstream
