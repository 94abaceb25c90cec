#include "engine/correlation_key_state.h"

#include "engine/byte_codec.h"

namespace auditstream {
namespace {

constexpr char kVersion = 2;
constexpr std::uint64_t kMaxItems = std::numeric_limits<std::uint32_t>::max();

void putOptionalTime(const std::optional<EventTime>& time, std::string& out) {
  out += static_cast<char>(time ? 1 : 0);
  if (time) putSigned(time->nanosSinceEpoch, out);
}

std::optional<EventTime> readOptionalTime(ByteReader& in) {
  if (in.byte() == 0) return std::nullopt;
  return EventTime{in.signedVarint()};
}

void encodeExtra(const KeyExtra& extra, std::string& out) {
  putVarint(extra.values.size(), out);
  for (const auto& [value, time] : extra.values) {
    putString(value, out);
    putSigned(time.nanosSinceEpoch, out);
  }
  putVarint(extra.known.size(), out);
  for (const auto& [value, known] : extra.known) {
    putString(value, out);
    putSigned(known.lastSeen.nanosSinceEpoch, out);
    putVarint(known.introducedBy, out);
  }
  putVarint(extra.steps.size(), out);
  for (const auto& step : extra.steps) putOptionalTime(step, out);
  putOptionalTime(extra.windowStart, out);
  putVarint(extra.total, out);
  putEvidence(extra.evidence, out);
  out += static_cast<char>(extra.provenance ? 1 : 0);
  if (extra.provenance) {
    putString(extra.provenance->topic, out);
    putSigned(extra.provenance->partition, out);
    putSigned(extra.provenance->offset, out);
  }
}

void readExtra(ByteReader& in, KeyExtra& extra) {
  for (std::uint64_t i = 0, n = in.count(kMaxItems); i < n && in.ok(); ++i) {
    std::string value = in.string();
    extra.values.emplace(std::move(value), EventTime{in.signedVarint()});
  }
  for (std::uint64_t i = 0, n = in.count(kMaxItems); i < n && in.ok(); ++i) {
    std::string value = in.string();
    KnownValue known;
    known.lastSeen = EventTime{in.signedVarint()};
    known.introducedBy = in.varint();
    extra.known.emplace(std::move(value), known);
  }
  for (std::uint64_t i = 0, n = in.count(kMaxItems); i < n && in.ok(); ++i) {
    extra.steps.push_back(readOptionalTime(in));
  }
  extra.windowStart = readOptionalTime(in);
  extra.total = in.varint();
  extra.evidence = in.evidence();
  if (in.byte() == 1) {
    AlertProvenance provenance;
    provenance.topic = in.string();
    provenance.partition = static_cast<std::int32_t>(in.signedVarint());
    provenance.offset = in.signedVarint();
    extra.provenance = std::move(provenance);
  }
}

}  // namespace

void encodeKeyState(const KeyState& state, std::string& out) {
  out += kVersion;
  putSigned(state.suppressedUntil, out);
  putVarint(state.entries.size(), out);
  std::int64_t previous = 0;
  for (const WindowEntry& entry : state.entries) {  // time order: deltas stay small
    putSigned(entry.time.nanosSinceEpoch - previous, out);
    previous = entry.time.nanosSinceEpoch;
    if (const auto uuid = entry.auditId.uuid()) {  // 17 bytes instead of 37
      out += static_cast<char>(1);
      out.append(reinterpret_cast<const char*>(uuid->data()), uuid->size());
    } else {
      out += static_cast<char>(0);
      putString(entry.auditId.text(), out);
    }
  }
  out += static_cast<char>(state.extra ? 1 : 0);
  if (state.extra) encodeExtra(*state.extra, out);
}

Result<KeyState> decodeKeyState(std::string_view bytes) {
  ByteReader in(bytes);
  if (in.byte() != kVersion) return invalidArgument("correlation state: unknown version");
  KeyState state;
  state.suppressedUntil = in.signedVarint();
  std::int64_t previous = 0;
  for (std::uint64_t i = 0, n = in.count(kMaxItems); i < n && in.ok(); ++i) {
    previous += in.signedVarint();
    AuditId auditId;
    if (in.byte() == 1) {
      std::array<unsigned char, 16> uuid{};
      for (unsigned char& byte : uuid) byte = static_cast<unsigned char>(in.byte());
      auditId = AuditId::fromUuid(uuid);
    } else {
      auditId = AuditId(in.string());
    }
    state.entries.push_back({EventTime{previous}, std::move(auditId)});
  }
  if (in.byte() == 1) readExtra(in, state.more());
  if (!in.ok()) return invalidArgument("correlation state: " + in.problem());
  if (!in.atEnd()) return invalidArgument("correlation state: bytes after the end");
  return state;
}

}  // namespace auditstream
