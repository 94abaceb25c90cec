// `auditstream policy-check --policy FILE --rules DIR...`: which rules a kube-apiserver audit policy
// blinds (config/policy_check.h). One line per rule and correlation — `fires`, `partly` or `blind`, its
// title, and why — then a summary; exit status 1 when a rule is blind or the files have a problem.
#pragma once

#include <cstdio>

#include "consumer/command_line.h"

namespace auditstream {

int runPolicyCheck(const CommandLine& command, std::FILE* out);

}  // namespace auditstream
