#include "engine/rule_set.h"

#include <gtest/gtest.h>

#include "engine/envelope_decoder.h"
#include "engine/match_state.h"

namespace auditstream {
namespace {

ValueSpec exact(std::string text) {
  ValueSpec value;
  value.pattern = {{PatternPiece::Kind::kLiteral, std::move(text)}};
  return value;
}

RuleSpec ruleOn(std::string id, std::vector<FieldMatchSpec> matches, std::string condition = "selection") {
  RuleSpec spec;
  spec.meta.id = std::move(id);
  spec.meta.title = spec.meta.id;
  spec.meta.level = "low";
  spec.detection.selections.push_back({"selection", {std::move(matches)}, {}});
  spec.detection.conditions = {std::move(condition)};
  spec.detection.conditionWhere = {"rules.yml", 3, 16};
  return spec;
}

FieldMatchSpec field(std::string name, std::vector<ValueSpec> values) {
  FieldMatchSpec match;
  match.field = std::move(name);
  match.values = std::move(values);
  return match;
}

std::vector<std::string> matching(const RuleSet& rules, std::string_view event) {
  auto decoder = EnvelopeDecoder::create({}).value();
  auto state = rules.newMatchState();
  std::vector<std::string> ids;
  std::vector<std::uint32_t> hits;
  decoder.decode(event, std::nullopt, [&](const AuditEvent& decoded) {
    rules.match(decoded, *state, hits);
    for (std::uint32_t hit : hits) ids.push_back(rules.rule(hit).id);
  });
  return ids;
}

constexpr std::string_view kCreatePod =
    R"({"kind":"Event","auditID":"1","verb":"CREATE","objectRef":{"resource":"pods"},"stageTimestamp":"2026-01-01T00:00:00Z"})";
constexpr std::string_view kGetSecret =
    R"({"kind":"Event","auditID":"2","verb":"get","objectRef":{"resource":"secrets"},"stageTimestamp":"2026-01-01T00:00:00Z"})";

TEST(RuleSet, ExactValuesAreCaseInsensitiveAndTheIndexKeepsUnpinnedRules) {
  std::vector<RuleSpec> specs;
  specs.push_back(
      ruleOn("create-pods", {field("verb", {exact("create")}), field("objectRef.resource", {exact("pods")})}));
  specs.push_back(ruleOn("not-create", {field("verb", {exact("create")})}, "not selection"));
  specs.push_back(ruleOn("any-secrets", {field("objectRef.resource", {exact("secrets")})}));
  auto build = RuleSet::create(std::move(specs));
  ASSERT_TRUE(build.problems.empty());
  EXPECT_EQ(matching(*build.rules, kCreatePod), (std::vector<std::string>{"create-pods"}));
  EXPECT_EQ(matching(*build.rules, kGetSecret), (std::vector<std::string>{"not-create", "any-secrets"}));
}

TEST(RuleSet, BothDatabaseGroupingsGiveTheSameMatches) {
  const auto specs = [] {
    std::vector<RuleSpec> out;
    out.push_back(
        ruleOn("create-pods", {field("verb", {exact("create")}), field("objectRef.resource", {exact("pods")})}));
    out.push_back(ruleOn("any-secrets", {field("objectRef.resource", {exact("secrets"), exact("configmaps")})}));
    return out;
  };
  auto hashed = RuleSet::create(specs());
  auto scanned = RuleSet::create(specs(), RuleSetOptions{.exactValuesInHyperscan = true});
  EXPECT_EQ(hashed.rules->stats().hyperscanPatterns, 0U);
  EXPECT_EQ(scanned.rules->stats().exactValues, 0U);
  for (std::string_view event : {kCreatePod, kGetSecret}) {
    EXPECT_EQ(matching(*hashed.rules, event), matching(*scanned.rules, event));
  }
}

TEST(RuleSet, ABadRuleIsReportedWithItsPositionAndLeavesNoTrace) {
  std::vector<RuleSpec> specs;
  ValueSpec lookbehind;
  lookbehind.op = ValueOp::kRegex;
  lookbehind.text = "(?<=admin)x";
  lookbehind.where = {"rules.yml", 7, 20};
  specs.push_back(ruleOn("bad-regex", {field("requestURI", {lookbehind})}));
  specs.push_back(ruleOn("unknown-selection", {field("verb", {exact("get")})}, "selection and filter"));
  specs.push_back(ruleOn("good", {field("verb", {exact("get")})}));
  auto build = RuleSet::create(std::move(specs));
  ASSERT_EQ(build.problems.size(), 2U);
  EXPECT_TRUE(build.problems[0].message().starts_with(
      "rules.yml:7:20: regular expression '(?<=admin)x' cannot run on Hyperscan"))
      << build.problems[0].message();
  EXPECT_EQ(build.problems[1].message(),
            "rules.yml:3:16: the condition names 'filter', which is not a search identifier here");
  EXPECT_EQ(build.rules->size(), 1U);
  EXPECT_EQ(build.rules->stats().hyperscanPatterns, 0U);
  EXPECT_EQ(matching(*build.rules, kGetSecret), (std::vector<std::string>{"good"}));
}

TEST(RuleSet, AMemberNestedTooDeepIsAbsentNotACrash) {
  std::vector<RuleSpec> specs;
  ValueSpec exists;
  exists.op = ValueOp::kExists;
  specs.push_back(ruleOn("deep", {field("requestObject.a", {exists})}));
  specs.push_back(ruleOn("get", {field("verb", {exact("get")})}));
  auto build = RuleSet::create(std::move(specs));
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += R"({"a":)";
  deep += "1" + std::string(200, '}');
  const std::string event = R"({"kind":"Event","auditID":"3","verb":"get","stageTimestamp":"2026-01-01T00:00:00Z",)"
                            R"("requestObject":)" +
                            deep + "}";
  EXPECT_EQ(matching(*build.rules, event), (std::vector<std::string>{"get"}));
}

}  // namespace
}  // namespace auditstream
