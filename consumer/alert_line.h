// One alert as one readable line for a terminal (the demo): time, severity, cluster, rule title, who did
// what to which object, and the count for correlations. Colour by severity when asked.
#pragma once

#include <string>

#include "engine/alert.h"

namespace auditstream {

std::string formatAlertLine(const Alert& alert, bool colour);

}  // namespace auditstream
