#include "engine/event_fields_reader.h"

#include <string>

namespace auditstream {
namespace {

namespace od = simdjson::ondemand;

struct KnownField {
  std::string_view key;
  FastField field;
};

// Members of the top-level object and of user / impersonatedUser / objectRef / responseStatus.
constexpr KnownField kTopLevel[] = {
    {"apiVersion", FastField::kApiVersion},
    {"level", FastField::kLevel},
    {"auditID", FastField::kAuditId},
    {"stage", FastField::kStage},
    {"requestURI", FastField::kRequestUri},
    {"verb", FastField::kVerb},
    {"userAgent", FastField::kUserAgent},
    {"requestReceivedTimestamp", FastField::kRequestReceivedTimestamp},
    {"stageTimestamp", FastField::kStageTimestamp},
    {"timestamp", FastField::kLegacyTimestamp},
};
constexpr KnownField kUser[] = {{"username", FastField::kUserUsername}, {"uid", FastField::kUserUid}};
constexpr KnownField kImpersonatedUser[] = {{"username", FastField::kImpersonatedUsername}};
constexpr KnownField kObjectRef[] = {
    {"resource", FastField::kObjectResource},
    {"namespace", FastField::kObjectNamespace},
    {"name", FastField::kObjectName},
    {"apiGroup", FastField::kObjectApiGroup},
    {"apiVersion", FastField::kObjectApiVersion},
    {"subresource", FastField::kObjectSubresource},
};
constexpr KnownField kAnnotations[] = {{"authorization.k8s.io/decision", FastField::kDecision}};
constexpr KnownField kResponseStatus[] = {
    {"status", FastField::kResponseStatus},
    {"reason", FastField::kResponseReason},
    {"message", FastField::kResponseMessage},
};

template <std::size_t N>
const KnownField* findKnown(const KnownField (&table)[N], od::raw_json_string key) {
  for (const KnownField& known : table) {
    if (key == known.key) return &known;
  }
  return nullptr;
}

Rejection wrongType(std::string_view path, std::string_view expected) {
  return {RejectReason::kNotAnEvent, "'" + std::string(path) + "' is not " + std::string(expected)};
}

std::string_view trimRight(std::string_view text) {
  const std::size_t last = text.find_last_not_of(" \t\r\n");
  return last == std::string_view::npos ? std::string_view{} : text.substr(0, last + 1);
}

}  // namespace

std::optional<Rejection> EventFieldsReader::readString(FastField field, od::value& value) {
  od::json_type type{};
  if (value.type().get(type)) return wrongType(fastFieldPath(field), "valid JSON");
  if (type == od::json_type::null) return std::nullopt;
  std::string_view text;
  if (type != od::json_type::string || value.get_string().get(text)) {
    return wrongType(fastFieldPath(field), "a string");
  }
  event_.set(field, text);
  return std::nullopt;
}

std::optional<Rejection> EventFieldsReader::readFirstSourceIp(od::value& value) {
  od::json_type type{};
  if (value.type().get(type) || type == od::json_type::null) return std::nullopt;
  od::array addresses;
  if (type != od::json_type::array || value.get_array().get(addresses)) return wrongType("sourceIPs", "an array");
  for (auto address : addresses) {
    std::string_view text;
    if (address.get_string().get(text)) return wrongType("sourceIPs", "an array of strings");
    event_.set(FastField::kSourceIp, text);
    break;  // the rest is skipped by simdjson
  }
  return std::nullopt;
}

std::optional<Rejection> EventFieldsReader::readNested(od::value& value, std::string_view name) {
  od::json_type type{};
  if (value.type().get(type)) return wrongType(name, "valid JSON");
  if (type == od::json_type::null) return std::nullopt;
  od::object object;
  if (type != od::json_type::object || value.get_object().get(object)) return wrongType(name, "an object");
  for (auto member : object) {
    od::value inner;
    if (auto error = member.value().get(inner)) {
      return Rejection{RejectReason::kTruncated, std::string(name) + ": " + simdjson::error_message(error)};
    }
    const od::raw_json_string key = member.key();
    const KnownField* known = nullptr;
    if (name == "user") known = findKnown(kUser, key);
    if (name == "impersonatedUser") known = findKnown(kImpersonatedUser, key);
    if (name == "objectRef") known = findKnown(kObjectRef, key);
    if (name == "annotations") known = findKnown(kAnnotations, key);
    if (name == "responseStatus") {
      if (key == "code") {
        od::json_type codeType{};
        if (inner.type().get(codeType) || codeType != od::json_type::number) {
          return wrongType("responseStatus.code", "a number");
        }
        event_.set(FastField::kResponseCode, trimRight(inner.raw_json_token()));
        continue;
      }
      known = findKnown(kResponseStatus, key);
    }
    if (known != nullptr) {
      if (auto problem = readString(known->field, inner)) return problem;
    }
  }
  return std::nullopt;
}

std::optional<Rejection> EventFieldsReader::read(od::raw_json_string key, od::value& value) {
  const char* start = value.raw_json_token().data();
  event_.members.push_back({rawJsonKey(key.raw(), start), start});
  if (key == "kind") {
    std::string_view kind;
    if (value.get_string().get(kind)) return wrongType("kind", "a string");
    if (kind == "EventList") {
      sawList_ = true;
      return std::nullopt;
    }
    if (kind != "Event") {
      return Rejection{RejectReason::kNotAnEvent, "kind is '" + std::string(kind) + "', not 'Event'"};
    }
    sawKind_ = true;
    return std::nullopt;
  }
  if (const KnownField* known = findKnown(kTopLevel, key)) return readString(known->field, value);
  if (key == "sourceIPs") return readFirstSourceIp(value);
  for (std::string_view nested : {"user", "objectRef", "responseStatus", "impersonatedUser", "annotations"}) {
    if (key == nested) return readNested(value, nested);
  }
  return std::nullopt;  // not read now: simdjson skips it; FieldResolver finds it from `members` if asked
}

std::optional<Rejection> EventFieldsReader::finish(std::optional<EventTime> messageTime) {
  if (!event_.has(FastField::kAuditId)) {
    return Rejection{RejectReason::kNotAnEvent,
                     sawKind_ ? "the Event has no auditID" : "an object without kind or auditID is not an Event"};
  }
  if (event_.has(FastField::kApiVersion)) {
    const std::string_view version = event_.get(FastField::kApiVersion);
    if (version != "audit.k8s.io/v1" && version != "audit.k8s.io/v1beta1") {
      return Rejection{RejectReason::kUnsupportedApiVersion,
                       "apiVersion '" + std::string(version) + "' (accepted: audit.k8s.io/v1, audit.k8s.io/v1beta1)"};
    }
  }
  for (FastField field :
       {FastField::kStageTimestamp, FastField::kRequestReceivedTimestamp, FastField::kLegacyTimestamp}) {
    if (!event_.has(field)) continue;
    if (auto time = parseRfc3339(event_.get(field))) {
      event_.time = *time;
      return std::nullopt;
    }
  }
  if (!messageTime) {
    return Rejection{RejectReason::kNotAnEvent, "the Event has no valid stageTimestamp or requestReceivedTimestamp"};
  }
  event_.time = *messageTime;
  event_.timeFromMessage = true;
  return std::nullopt;
}

}  // namespace auditstream
