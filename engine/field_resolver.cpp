#include "engine/field_resolver.h"

#include <algorithm>
#include <charconv>
#include <simdjson.h>

#include "engine/json_scan.h"

namespace auditstream {
namespace {

namespace dom = simdjson::dom;

}  // namespace

// Members nested deeper than this are treated as absent (and counted): Kubernetes objects nest ~20 deep.
constexpr std::size_t kMaxMemberDepth = 64;

struct FieldResolver::Parsed {
  Parsed() {
    // On failure (out of memory) the parser allocates on first parse instead, with the default depth.
    if (parser.allocate(4096, kMaxMemberDepth) != simdjson::SUCCESS) return;
  }
  dom::parser parser;
  const char* source = nullptr;  // the member value this parser holds; nullptr: not parsed in this event
  bool ok = false;
  dom::element root;
};

FieldResolver::FieldResolver() = default;
FieldResolver::~FieldResolver() = default;

void FieldResolver::reset(const AuditEvent& event) {
  event_ = &event;
  for (auto& slot : parsed_) slot->source = nullptr;
  numberText_.clear();
}

void FieldResolver::resolve(const FieldPath& path, std::vector<FieldValue>& out) {
  out.clear();
  const AuditEvent& event = *event_;
  if (path.fast) {
    if (event.has(*path.fast)) {
      out.push_back(
          {*path.fast == FastField::kResponseCode ? JsonKind::kNumber : JsonKind::kString, event.get(*path.fast)});
    }
    return;
  }
  // The top-level member: the longest run of segments that names one (literal dotted keys first).
  for (std::size_t end = path.segments.size(); end >= 1; --end) {
    const std::string_view key = path.key(0, end);
    for (std::size_t index = 0; index < event.members.size(); ++index) {
      if (event.members[index].key != key) continue;
      if (parsed_.size() <= index) {
        while (parsed_.size() <= index) parsed_.push_back(std::make_unique<Parsed>());
      }
      Parsed& slot = *parsed_[index];
      if (slot.source != event.members[index].valueStart) {
        slot.source = event.members[index].valueStart;
        const std::string_view text = jsonValueAt(slot.source, event.rawLimit);
        // The text sits inside a padded message buffer: at least SIMDJSON_PADDING bytes follow it. A
        // member that does not parse (too deep, malformed inside a skipped value) reads as absent.
        slot.ok = !slot.parser.parse(text.data(), text.size(), false).get(slot.root);
      }
      if (slot.ok) walk(&slot.root, path, end, out);
      return;
    }
  }
}

std::string_view FieldResolver::firstString(const FieldPath& path) {
  resolve(path, scratch_);
  for (const FieldValue& value : scratch_) {
    if (value.isScalarText()) return value.text;
  }
  return {};
}

void FieldResolver::walk(const void* elementPointer, const FieldPath& path, std::size_t from,
                         std::vector<FieldValue>& out) {
  const std::size_t segmentCount = path.segments.size();
  const dom::element element = *static_cast<const dom::element*>(elementPointer);
  if (from == segmentCount) {
    if (element.type() == dom::element_type::ARRAY) {
      for (dom::element item : dom::array(element)) appendLeaf(&item, out);
    } else {
      appendLeaf(&element, out);
    }
    return;
  }
  if (element.type() == dom::element_type::ARRAY) {
    for (dom::element item : dom::array(element)) walk(&item, path, from, out);
    return;
  }
  if (element.type() != dom::element_type::OBJECT) return;
  // One pass over the object's keys: the longest run of segments naming a key wins (literal dotted
  // keys such as `authorization.k8s.io/decision` before nesting).
  std::size_t bestEnd = 0;
  dom::element best;
  for (const dom::key_value_pair member : dom::object(element)) {
    for (std::size_t end = segmentCount; end > std::max(from, bestEnd); --end) {
      if (member.key == path.key(from, end)) {
        bestEnd = end;
        best = member.value;
        break;
      }
    }
  }
  if (bestEnd != 0) walk(&best, path, bestEnd, out);
}

void FieldResolver::appendLeaf(const void* elementPointer, std::vector<FieldValue>& out) {
  const dom::element element = *static_cast<const dom::element*>(elementPointer);
  switch (element.type()) {
    case dom::element_type::STRING: out.push_back({JsonKind::kString, std::string_view(element)}); return;
    case dom::element_type::BOOL: out.push_back({JsonKind::kBool, bool(element) ? "true" : "false"}); return;
    case dom::element_type::NULL_VALUE: out.push_back({JsonKind::kNull, {}}); return;
    case dom::element_type::OBJECT: out.push_back({JsonKind::kObject, {}}); return;
    case dom::element_type::ARRAY: out.push_back({JsonKind::kArray, {}}); return;
    default: break;
  }
  char buffer[32];
  std::to_chars_result written{};
  if (element.type() == dom::element_type::INT64) {
    written = std::to_chars(buffer, buffer + sizeof buffer, std::int64_t(element));
  } else if (element.type() == dom::element_type::UINT64) {
    written = std::to_chars(buffer, buffer + sizeof buffer, std::uint64_t(element));
  } else {
    written = std::to_chars(buffer, buffer + sizeof buffer, double(element));
  }
  numberText_.emplace_back(buffer, written.ptr);
  out.push_back({JsonKind::kNumber, numberText_.back()});
}

}  // namespace auditstream
