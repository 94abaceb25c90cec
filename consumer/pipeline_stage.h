// PipelineStage: how much of the pipeline the service runs per message. Anything but kDetect is for
// measuring ceilings side by side (BENCHMARKS.md): kConsume only consumes, hands the message back and
// commits it; kParse also decodes and parses every event, without matching rules.
#pragma once

namespace auditstream {

enum class PipelineStage { kConsume, kParse, kDetect };

}  // namespace auditstream
