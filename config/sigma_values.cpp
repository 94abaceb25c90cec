#include "config/sigma_values.h"

#include <charconv>
#include <optional>
#include <set>

#include "common/base64.h"

namespace auditstream {
namespace {

struct Modifiers {
  Anchoring anchoring = Anchoring::kWhole;
  bool all = false;
  bool regex = false;
  bool regexCaseless = false;
  bool regexMultiline = false;
  bool regexDotAll = false;
  bool cidr = false;
  bool exists = false;
  bool base64 = false;
  bool base64offset = false;
  bool cased = false;
  bool fieldref = false;
  bool windash = false;
  std::optional<CompareOp> compare;
};

Result<Modifiers> parseModifiers(const std::vector<std::string>& names, const SourceLocation& where) {
  Modifiers modifiers;
  bool anchored = false;
  for (const std::string& name : names) {
    const auto anchor = [&](Anchoring anchoring) -> Status {
      if (anchored) return where.error("only one of contains, startswith, endswith may be given");
      anchored = true;
      modifiers.anchoring = anchoring;
      return Status::ok();
    };
    if (name == "contains") {
      RETURN_IF_ERROR(anchor(Anchoring::kContains));
    } else if (name == "startswith") {
      RETURN_IF_ERROR(anchor(Anchoring::kStartsWith));
    } else if (name == "endswith") {
      RETURN_IF_ERROR(anchor(Anchoring::kEndsWith));
    } else if (name == "all") {
      modifiers.all = true;
    } else if (name == "re") {
      modifiers.regex = true;
    } else if (name == "i" || name == "m" || name == "s") {
      if (!modifiers.regex) return where.error("modifier '" + name + "' must follow 're'");
      (name == "i" ? modifiers.regexCaseless : name == "m" ? modifiers.regexMultiline : modifiers.regexDotAll) = true;
    } else if (name == "cidr") {
      modifiers.cidr = true;
    } else if (name == "exists") {
      modifiers.exists = true;
    } else if (name == "base64") {
      modifiers.base64 = true;
    } else if (name == "base64offset") {
      modifiers.base64offset = true;
    } else if (name == "cased") {
      modifiers.cased = true;
    } else if (name == "fieldref") {
      modifiers.fieldref = true;
    } else if (name == "windash") {
      modifiers.windash = true;
    } else if (name == "gt" || name == "gte" || name == "lt" || name == "lte") {
      modifiers.compare = name == "gt"    ? CompareOp::kGreater
                          : name == "gte" ? CompareOp::kGreaterOrEqual
                          : name == "lt"  ? CompareOp::kLess
                                          : CompareOp::kLessOrEqual;
    } else if (name == "utf16le" || name == "utf16be" || name == "utf16" || name == "wide") {
      return where.error("modifier '" + name + "' is not supported: audit events are UTF-8 JSON");
    } else if (name == "expand") {
      return where.error("modifier 'expand' is not supported: placeholders need a pipeline that defines them");
    } else {
      return where.error("unknown modifier '" + name + "'");
    }
  }
  const int kinds = int(modifiers.regex) + int(modifiers.cidr) + int(modifiers.exists) +
                    int(modifiers.compare.has_value()) + int(modifiers.fieldref);
  if (kinds > 1) return where.error("re, cidr, exists, gt/gte/lt/lte and fieldref cannot be combined");
  if ((modifiers.regex || modifiers.cidr || modifiers.exists || modifiers.compare) &&
      (anchored || modifiers.base64 || modifiers.base64offset || modifiers.windash)) {
    return where.error("contains/startswith/endswith/base64/windash do not apply to re, cidr, exists or comparisons");
  }
  if (modifiers.base64 && modifiers.base64offset) return where.error("use base64 or base64offset, not both");
  if (modifiers.all && (modifiers.windash || modifiers.base64offset)) {
    return where.error("'all' cannot be combined with windash or base64offset (each value has several forms)");
  }
  return modifiers;
}

// Sigma's escaping: `\*`, `\?` and `\\` are literal; any other backslash is itself.
SigmaPattern parseSigmaString(std::string_view text) {
  SigmaPattern pattern;
  const auto literal = [&]() -> std::string& {
    if (pattern.empty() || pattern.back().kind != PatternPiece::Kind::kLiteral) pattern.push_back({});
    return pattern.back().literal;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size() && (text[i + 1] == '*' || text[i + 1] == '?' || text[i + 1] == '\\')) {
      literal() += text[++i];
    } else if (c == '*') {
      pattern.push_back({PatternPiece::Kind::kAnyString, {}});
    } else if (c == '?') {
      pattern.push_back({PatternPiece::Kind::kAnyChar, {}});
    } else {
      literal() += c;
    }
  }
  if (pattern.empty()) pattern.push_back({});  // the empty string
  return pattern;
}

// The three encodings of `text` at byte offsets 0, 1, 2 inside a longer base64 string (Sigma's
// base64offset), trimmed to the characters that do not depend on the unknown neighbours.
std::vector<std::string> base64Offsets(std::string_view text) {
  static constexpr std::size_t kStart[] = {0, 2, 3};
  static constexpr std::size_t kEndTrim[] = {0, 3, 2};
  std::vector<std::string> variants;
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string encoded = base64Encode(std::string(i, ' ') + std::string(text));
    const std::size_t trim = kEndTrim[(text.size() + i) % 3];
    if (encoded.size() < kStart[i] + trim) continue;
    variants.push_back(encoded.substr(kStart[i], encoded.size() - kStart[i] - trim));
  }
  return variants;
}

// windash: every '-' or '/' that starts the value or a word also matches '/', '-', '–', '—', '―'.
std::vector<std::string> windashVariants(const std::string& text) {
  static const std::vector<std::string> kDashes = {"-", "/", "\xE2\x80\x93", "\xE2\x80\x94", "\xE2\x80\x95"};
  std::vector<std::string> variants{""};
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool wordStart = i == 0 || text[i - 1] == ' ';
    if (wordStart && (text[i] == '-' || text[i] == '/') && variants.size() * kDashes.size() <= 625) {
      std::vector<std::string> next;
      for (const std::string& prefix : variants) {
        for (const std::string& dash : kDashes) next.push_back(prefix + dash);
      }
      variants = std::move(next);
    } else {
      for (std::string& prefix : variants) prefix += text[i];
    }
  }
  return variants;
}

}  // namespace

Result<FieldMatchSpec> parseFieldMatch(std::string_view key, const std::vector<SigmaScalar>& values,
                                       const SourceLocation& where) {
  FieldMatchSpec match;
  match.where = where;
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t bar = key.find('|', start);
    parts.emplace_back(key.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start));
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  match.field = parts.front();
  match.keyword = match.field.empty();
  ASSIGN_OR_RETURN(Modifiers modifiers, parseModifiers({parts.begin() + 1, parts.end()}, where));
  match.allValues = modifiers.all;
  if (values.empty()) return where.error("a field needs at least one value");

  for (const SigmaScalar& scalar : values) {
    ValueSpec base;
    base.where = scalar.where;
    base.caseSensitive = modifiers.cased;
    base.anchoring = modifiers.anchoring;
    if (match.keyword && !modifiers.regex && modifiers.anchoring == Anchoring::kWhole) {
      base.anchoring = Anchoring::kContains;  // keywords are searched anywhere in the event
    }
    if (scalar.isNull) {
      if (modifiers.regex || modifiers.cidr || modifiers.exists || modifiers.compare || modifiers.fieldref ||
          modifiers.anchoring != Anchoring::kWhole) {
        return scalar.where.error("null cannot be combined with modifiers");
      }
      base.op = ValueOp::kNull;
      match.values.push_back(std::move(base));
      continue;
    }
    const std::string& text = scalar.text;
    if (modifiers.exists) {
      if (text != "true" && text != "false") return scalar.where.error("exists takes true or false");
      base.op = ValueOp::kExists;
      base.exists = text == "true";
    } else if (modifiers.compare) {
      double number = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (error != std::errc() || end != text.data() + text.size()) {
        return scalar.where.error("'" + text + "' is not a number");
      }
      base.op = ValueOp::kCompare;
      base.compare = *modifiers.compare;
      base.number = number;
    } else if (modifiers.regex) {
      base.op = ValueOp::kRegex;
      base.text = text;
      base.regexCaseless = modifiers.regexCaseless;
      base.regexMultiline = modifiers.regexMultiline;
      base.regexDotAll = modifiers.regexDotAll;
    } else if (modifiers.cidr) {
      base.op = ValueOp::kCidr;
      base.text = text;
    } else if (modifiers.fieldref) {
      base.op = ValueOp::kFieldRef;
      base.text = text;
    } else {
      std::vector<std::string> texts{text};
      if (modifiers.base64 || modifiers.base64offset) {
        if (text.find_first_of("*?") != std::string::npos) {
          return scalar.where.error("base64 values cannot hold wildcards");
        }
        texts = modifiers.base64 ? std::vector<std::string>{base64Encode(text)} : base64Offsets(text);
        for (const std::string& encoded : texts) {
          ValueSpec variant = base;
          variant.pattern = {{PatternPiece::Kind::kLiteral, encoded}};
          match.values.push_back(std::move(variant));
        }
        continue;
      }
      if (modifiers.windash) texts = windashVariants(text);
      std::set<std::string> seen;
      for (const std::string& variantText : texts) {
        if (!seen.insert(variantText).second) continue;
        ValueSpec variant = base;
        variant.pattern = parseSigmaString(variantText);
        match.values.push_back(std::move(variant));
      }
      continue;
    }
    match.values.push_back(std::move(base));
  }
  if (match.allValues && match.values.size() < 2 && values.size() < 2) {
    return where.error("'all' needs a list of values");
  }
  return match;
}

}  // namespace auditstream
