// The window state of one group key of one correlation, and its bytes in the state changelog.
// Internal to engine/: CorrelationEngine keeps these; a correlation task's changelog carries them
// (CorrelationEngine::takeChanges / restore). The key text (cluster + group-by values) is stored once, in
// the engine's index, and is the changelog record's key, not part of these bytes.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "engine/alert.h"
#include "engine/audit_id.h"
#include "engine/event_time.h"

namespace auditstream {

// 24 bytes: an event_count key with one event costs its key, its list and index nodes and this.
struct WindowEntry {
  EventTime time;
  AuditId auditId;
};

// What first_seen knows of a value: when it was last seen, and (a hash of) the audit ID of the event that
// brought it in — the same request's other stages are not "known" to themselves. 16 bytes plus the value.
struct KnownValue {
  EventTime lastSeen;
  std::uint64_t introducedBy = 0;
};

// State that only some correlation types need, allocated on first use so that the common key (an
// event_count with a few events) stays small.
struct KeyExtra {
  std::map<std::string, EventTime> values;      // value_count: value → latest
  std::map<std::string, KnownValue> known;      // first_seen: the history, within the history window
  std::vector<std::optional<EventTime>> steps;  // temporal: latest per rule; ordered: chain start per step
  std::optional<EventTime> windowStart;         // close-decided windows: the first event
  std::uint64_t total = 0;                      // close-decided windows: events counted
  AlertEvidence evidence;                       // close-decided windows: of the latest event
  std::optional<AlertProvenance> provenance;
};

struct KeyState {
  const std::string* key = nullptr;
  std::vector<WindowEntry> entries;  // event_count: window events (time order); others: evidence
  std::int64_t suppressedUntil = std::numeric_limits<std::int64_t>::min();
  std::unique_ptr<KeyExtra> extra;
  bool changed = false;  // since the last checkpoint (only when the engine tracks changes)

  KeyExtra& more() {
    if (!extra) extra = std::make_unique<KeyExtra>();
    return *extra;
  }
};

// Appends the bytes of `state` to `out`.
void encodeKeyState(const KeyState& state, std::string& out);
// Errors: invalidArgument saying what is wrong with the bytes (never a crash).
Result<KeyState> decodeKeyState(std::string_view bytes);

}  // namespace auditstream
