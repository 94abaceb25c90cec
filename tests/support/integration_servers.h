// Where the integration fixtures put their servers. The ctest fixtures (tests/integration/CMakeLists.txt)
// run deploy/kafka/kafka-local and deploy/alertmanager/alertmanager-local under $AUDITSTREAM_IT_DIR;
// these read the addresses those scripts wrote. A missing file is an error that says which fixture
// failed — integration tests fail with the reason, they never skip.
#pragma once

#include <string>

#include "common/result.h"

namespace auditstream::testing {

Result<std::string> kafkaBootstrap();   // "127.0.0.1:PORT"
Result<std::string> alertmanagerUrl();  // "http://127.0.0.1:PORT"
Result<std::string> webhookLogPath();   // JSON Lines file the local webhook receiver appends to

// A name unique to this process and call, for topics and consumer groups.
std::string uniqueName(const std::string& prefix);

}  // namespace auditstream::testing
