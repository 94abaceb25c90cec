#include "engine/envelope_decoder.h"

#include <simdjson.h>
#include <string>

#include "engine/event_fields_reader.h"
#include "engine/padded_buffer.h"

namespace auditstream {
namespace {

namespace od = simdjson::ondemand;

struct PathSegment {
  std::string name;
  bool fanOut = false;  // `name[]`: the member is an array; follow every element
};
using EnvelopePath = std::vector<PathSegment>;

Result<EnvelopePath> parseEnvelopePath(const std::string& text) {
  EnvelopePath path;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t dot = std::min(text.find('.', start), text.size());
    std::string segment = text.substr(start, dot - start);
    PathSegment parsed;
    if (segment.size() > 2 && segment.compare(segment.size() - 2, 2, "[]") == 0) {
      parsed.fanOut = true;
      segment.resize(segment.size() - 2);
    }
    if (segment.empty() || segment.find_first_of("[]") != std::string::npos) {
      return invalidArgument("envelope path '" + text + "': segment " + std::to_string(path.size() + 1) +
                             " must be a member name, optionally followed by []");
    }
    parsed.name = std::move(segment);
    path.push_back(std::move(parsed));
    start = dot + 1;
  }
  if (path.back().fanOut) return invalidArgument("envelope path '" + text + "' must end at a string member");
  return path;
}

Rejection rejectionFor(simdjson::error_code error, std::string_view where) {
  RejectReason reason = RejectReason::kNotJson;
  switch (error) {
    case simdjson::UTF8_ERROR: reason = RejectReason::kInvalidUtf8; break;
    case simdjson::DEPTH_ERROR: reason = RejectReason::kTooDeep; break;
    case simdjson::CAPACITY: reason = RejectReason::kTooLarge; break;
    case simdjson::EMPTY: reason = RejectReason::kEmpty; break;
    case simdjson::UNCLOSED_STRING:
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT: reason = RejectReason::kTruncated; break;
    case simdjson::INCORRECT_TYPE:
    case simdjson::NO_SUCH_FIELD: reason = RejectReason::kNotAnEvent; break;
    default: break;
  }
  std::string message(where);
  if (!message.empty()) message += ": ";
  message += simdjson::error_message(error);
  return {reason, std::move(message)};
}

// Whether `text` (trimmed on the left) is a lone JSON scalar rather than garbage.
bool isJsonScalar(std::string_view text) {
  const std::string_view token = text.substr(0, text.find_last_not_of(" \t\r\n") + 1);
  if (token == "true" || token == "false" || token == "null") return true;
  if (token.front() == '"') return token.size() >= 2 && token.back() == '"';
  return token.find_first_not_of("-+.eE0123456789") == std::string_view::npos;
}

std::string_view trimLeft(std::string_view text) {
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.remove_prefix(3);  // UTF-8 BOM
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  return first == std::string_view::npos ? std::string_view{} : text.substr(first);
}

}  // namespace

struct EnvelopeDecoder::State {
  EnvelopeOptions options;
  std::vector<EnvelopePath> paths;
  od::parser parser;
  PaddedBuffer message;
  std::vector<PaddedBuffer> nested;  // event strings found under envelope paths, decoded after the pass
  std::size_t nestedCount = 0;
  const char* nextValue = nullptr;
  AuditEvent event;

  DecodeOutcome* outcome = nullptr;
  std::optional<EventTime> messageTime;
  FunctionRef<void(const AuditEvent&)>* onEvent = nullptr;

  void reject(RejectReason reason, std::string text) { outcome->rejections.push_back({reason, std::move(text)}); }
  void reject(Rejection rejection) { outcome->rejections.push_back(std::move(rejection)); }

  // Decodes the first JSON value in `text`; returns where a following value starts (NDJSON batches), if any.
  const char* decodeDocument(std::string_view text, std::size_t capacity, bool allowEnvelope);
  void decodeValue(std::string_view text, std::size_t capacity, bool allowEnvelope);
  void decodeArray(od::array array, const char* limit);
  void decodeObject(od::object object, const char* start, const char* limit, bool allowEnvelope, std::string_view raw);
  void collectEnvelope(od::value value, const EnvelopePath& path, std::size_t depth, const std::string& where);
  void emitEvent(EventFieldsReader& reader, const char* start, const char* limit, std::string_view raw);
};

const char* EnvelopeDecoder::State::decodeDocument(std::string_view text, std::size_t capacity, bool allowEnvelope) {
  const char* const bufferStart = text.data();
  text = trimLeft(text);
  capacity -= static_cast<std::size_t>(text.data() - bufferStart);
  if (text.empty()) {
    reject(RejectReason::kEmpty, "no JSON value");
    return nullptr;
  }
  decodeValue(text, capacity, allowEnvelope);
  return nextValue;
}

void EnvelopeDecoder::State::decodeValue(std::string_view text, std::size_t capacity, bool allowEnvelope) {
  nextValue = nullptr;
  const char* limit = text.data() + text.size();
  od::document document;
  if (auto error = parser.iterate(text.data(), text.size(), capacity).get(document)) {
    return reject(rejectionFor(error, "parsing"));
  }
  const std::size_t rejectionsBefore = outcome->rejections.size();
  od::json_type type{};
  if (auto error = document.type().get(type)) return reject(rejectionFor(error, "parsing"));
  if (type == od::json_type::array) {
    od::array array;
    if (auto error = document.get_array().get(array)) return reject(rejectionFor(error, "array"));
    decodeArray(array, limit);
  } else if (type == od::json_type::object) {
    od::object object;
    if (auto error = document.get_object().get(object)) return reject(rejectionFor(error, "object"));
    decodeObject(object, text.data(), limit, allowEnvelope, text.substr(0, text.find_last_not_of(" \t\r\n") + 1));
  } else {
    return reject(isJsonScalar(text) ? RejectReason::kNotAnEvent : RejectReason::kNotJson,
                  isJsonScalar(text) ? "the message is a JSON scalar, not an object" : "the message is not JSON");
  }
  if (outcome->rejections.size() != rejectionsBefore) return;  // stopped early; the rest was not read
  // After the whole value was read, simdjson's location is its last token or the next value's first.
  const char* location = nullptr;
  if (!document.current_location().get(location) && location > text.data() && location < limit) {
    std::string_view rest(location, static_cast<std::size_t>(limit - location));
    if (rest.front() == '}' || rest.front() == ']') rest.remove_prefix(1);
    const std::size_t next = rest.find_first_not_of(" \t\r\n");
    if (next != std::string_view::npos) {
      if (rest[next] == '{' || rest[next] == '[') {
        nextValue = rest.data() + next;  // another document: newline-delimited JSON batched in one message
      } else {
        reject(RejectReason::kNotJson, "trailing content after the JSON value");
      }
    }
  }
}

void EnvelopeDecoder::State::decodeArray(od::array array, const char* limit) {
  std::size_t index = 0;
  for (auto element : array) {
    const std::string where = "item " + std::to_string(index++);
    od::value value;
    if (auto error = element.get(value)) return reject(rejectionFor(error, where));
    od::json_type type{};
    if (auto error = value.type().get(type)) return reject(rejectionFor(error, where));
    if (type != od::json_type::object) {
      reject(RejectReason::kNotAnEvent, where + " is not an object");
      continue;
    }
    const char* start = value.raw_json_token().data();
    od::object object;
    if (auto error = value.get_object().get(object)) return reject(rejectionFor(error, where));
    decodeObject(object, start, limit, false, {});
  }
}

void EnvelopeDecoder::State::decodeObject(od::object object, const char* start, const char* limit, bool allowEnvelope,
                                          std::string_view raw) {
  event.clear();
  EventFieldsReader reader(event);
  bool isContainer = false;
  for (auto field : object) {
    od::value value;
    if (auto error = field.value().get(value)) return reject(rejectionFor(error, "reading the object"));
    const od::raw_json_string key = field.key();
    if (key == "items") {
      od::json_type type{};
      if (!value.type().get(type) && type == od::json_type::array) {
        od::array items;
        if (auto error = value.get_array().get(items)) return reject(rejectionFor(error, "items"));
        isContainer = true;
        // The items' events reuse `event`; nothing read from this (list) object is needed afterwards.
        decodeArray(items, limit);
        continue;
      }
    }
    if (allowEnvelope) {
      bool matched = false;
      for (const EnvelopePath& path : paths) {
        if (key == path.front().name) {
          isContainer = true;
          matched = true;
          collectEnvelope(value, path, 0, path.front().name);
          break;
        }
      }
      if (matched) continue;
    }
    if (isContainer) continue;
    if (auto problem = reader.read(key, value)) return reject(std::move(*problem));
  }
  if (isContainer) return;
  emitEvent(reader, start, limit, raw);
}

void EnvelopeDecoder::State::collectEnvelope(od::value value, const EnvelopePath& path, std::size_t depth,
                                             const std::string& where) {
  const PathSegment& segment = path[depth];
  if (segment.fanOut) {
    od::array array;
    if (value.get_array().get(array)) return reject(RejectReason::kBadEnvelope, where + " is not an array");
    std::size_t index = 0;
    for (auto element : array) {
      od::value item;
      const std::string itemWhere = where + "[" + std::to_string(index++) + "]";
      if (auto error = element.get(item)) return reject(rejectionFor(error, itemWhere));
      if (depth + 1 == path.size()) return reject(RejectReason::kBadEnvelope, itemWhere + " ends the path");
      od::object object;
      if (item.get_object().get(object)) {
        reject(RejectReason::kBadEnvelope, itemWhere + " is not an object");
        continue;
      }
      od::value next;
      const std::string& nextName = path[depth + 1].name;
      if (object.find_field_unordered(nextName).get(next)) {
        reject(RejectReason::kBadEnvelope, itemWhere + " has no member '" + nextName + "'");
        continue;
      }
      collectEnvelope(next, path, depth + 1, itemWhere + "." + nextName);
    }
    return;
  }
  if (depth + 1 == path.size()) {
    std::string_view text;
    if (value.get_string().get(text)) return reject(RejectReason::kBadEnvelope, where + " is not a string");
    if (text.size() > options.maxMessageBytes) {
      return reject(RejectReason::kTooLarge, where + " holds " + std::to_string(text.size()) + " bytes");
    }
    if (nestedCount == nested.size()) nested.emplace_back();
    nested[nestedCount++].assign(text);
    return;
  }
  od::object object;
  if (value.get_object().get(object)) return reject(RejectReason::kBadEnvelope, where + " is not an object");
  const std::string& nextName = path[depth + 1].name;
  od::value next;
  if (object.find_field_unordered(nextName).get(next)) {
    return reject(RejectReason::kBadEnvelope, where + " has no member '" + nextName + "'");
  }
  collectEnvelope(next, path, depth + 1, where + "." + nextName);
}

void EnvelopeDecoder::State::emitEvent(EventFieldsReader& reader, const char* start, const char* limit,
                                       std::string_view raw) {
  if (auto problem = reader.finish(messageTime)) return reject(std::move(*problem));
  event.rawStart = start;
  event.rawLimit = limit;
  event.rawCache = raw;
  ++outcome->events;
  (*onEvent)(event);
}

Result<EnvelopeDecoder> EnvelopeDecoder::create(EnvelopeOptions options) {
  auto state = std::make_unique<State>();
  for (const std::string& text : options.stringPaths) {
    ASSIGN_OR_RETURN(EnvelopePath path, parseEnvelopePath(text));
    state->paths.push_back(std::move(path));
  }
  // The On-Demand pass descends at most four levels (list, event, user/objectRef) and skips deeper
  // members without recursion, so nesting costs no stack here; FieldResolver bounds depth where it
  // parses members in full.
  if (auto error = state->parser.allocate(options.maxMessageBytes + simdjson::SIMDJSON_PADDING)) {
    return internalError(std::string("allocating the JSON parser: ") + simdjson::error_message(error));
  }
  state->options = std::move(options);
  return EnvelopeDecoder(std::move(state));
}

EnvelopeDecoder::EnvelopeDecoder(std::unique_ptr<State> state) : state_(std::move(state)) {}
EnvelopeDecoder::~EnvelopeDecoder() = default;
EnvelopeDecoder::EnvelopeDecoder(EnvelopeDecoder&&) noexcept = default;
EnvelopeDecoder& EnvelopeDecoder::operator=(EnvelopeDecoder&&) noexcept = default;

const EnvelopeOptions& EnvelopeDecoder::options() const { return state_->options; }

void EnvelopeDecoder::decodeAll(std::string_view text, const PaddedBuffer& buffer, bool allowEnvelope) {
  const char* next = state_->decodeDocument(text, buffer.capacityFrom(text.data()), allowEnvelope);
  while (next != nullptr) {
    const char* const end = text.data() + text.size();
    next =
        state_->decodeDocument({next, static_cast<std::size_t>(end - next)}, buffer.capacityFrom(next), allowEnvelope);
  }
}

DecodeOutcome EnvelopeDecoder::decode(std::string_view message, std::optional<EventTime> messageTime,
                                      FunctionRef<void(const AuditEvent&)> onEvent) {
  DecodeOutcome outcome;
  State& state = *state_;
  state.outcome = &outcome;
  state.messageTime = messageTime;
  state.onEvent = &onEvent;
  state.nestedCount = 0;
  if (message.size() > state.options.maxMessageBytes) {
    state.reject(RejectReason::kTooLarge, "message of " + std::to_string(message.size()) + " bytes exceeds the " +
                                              std::to_string(state.options.maxMessageBytes) + "-byte limit");
    return outcome;
  }
  const std::string_view copy = state.message.assign(message);
  decodeAll(copy, state.message, true);
  // Event strings found under envelope paths: each is a JSON document of its own. (decodeAll may add
  // more only when allowEnvelope is true, so this loop's bound is fixed.)
  for (std::size_t i = 0; i < state.nestedCount; ++i) {
    const PaddedBuffer& buffer = state.nested[i];
    decodeAll({buffer.data(), buffer.size()}, buffer, false);
  }
  state.outcome = nullptr;
  state.onEvent = nullptr;
  return outcome;
}

}  // namespace auditstream
