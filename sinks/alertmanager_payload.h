// Alerts as Alertmanager v2 wants them (POST /api/v2/alerts): stable labels — alertname, severity,
// cluster, rule_id and the group-by values — so Alertmanager de-duplicates successive fires into one
// alert; everything volatile (counts, audit IDs, times, evidence, the DRL author) in annotations.
// Label names are mapped to Alertmanager's [a-zA-Z_][a-zA-Z0-9_]* ('.' and '/' become '_').
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/alert.h"

namespace auditstream {

std::string alertmanagerLabelName(std::string_view field);

// A JSON array of the alerts; endsAt = now + resolveTimeout, so an alert that is not re-sent resolves.
std::string alertmanagerBatch(const std::vector<std::shared_ptr<const Alert>>& alerts,
                              std::chrono::system_clock::time_point endsAt);

}  // namespace auditstream
