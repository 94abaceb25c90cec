// Runs every tests/rules/<case>/ folder: events.jsonl through the rules (the case's own rules/ folder,
// or else the bundled pack in config/rules), and compares the alerts — rule id and audit ids — with
// expected_alerts.jsonl, exactly: nothing missing, nothing extra. case.yml names the rules the case's
// near-miss events are aimed at; a coverage test checks every bundled rule has a positive and a
// negative case. Adding a case needs no C++.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <set>
#include <simdjson.h>
#include <sstream>
#include <yaml-cpp/yaml.h>

#include "config/rule_pack.h"
#include "engine/correlation_engine.h"
#include "engine/event_processor.h"

namespace auditstream {
namespace {

namespace fs = std::filesystem;
const fs::path kCases = AUDITSTREAM_RULE_CASES_DIR;
const fs::path kBundled = AUDITSTREAM_BUNDLED_RULES_DIR;

using AlertKey = std::pair<std::string, std::vector<std::string>>;  // rule id, audit ids

std::vector<std::string> lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) out.push_back(line);
  }
  return out;
}

std::vector<std::string> caseNames() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kCases)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::multiset<AlertKey> expectedAlerts(const fs::path& dir) {
  std::multiset<AlertKey> expected;
  simdjson::dom::parser parser;
  for (const std::string& line : lines(dir / "expected_alerts.jsonl")) {
    simdjson::dom::element alert = parser.parse(line);
    AlertKey key{std::string(std::string_view(alert["rule"])), {}};
    for (simdjson::dom::element id : alert["audit_ids"].get_array()) key.second.emplace_back(std::string_view(id));
    expected.insert(std::move(key));
  }
  return expected;
}

struct CaseRun {
  std::multiset<AlertKey> alerts;
  std::set<std::string> ruleIds;  // every rule loaded for the case
  std::vector<std::string> problems;
};

CaseRun runCase(const fs::path& dir) {
  CaseRun run;
  const bool ownRules = fs::is_directory(dir / "rules");
  const RulePack pack = loadRulePack({ownRules ? (dir / "rules").string() : kBundled.string()});
  for (const Status& problem : pack.problems) run.problems.push_back(problem.message());
  for (std::size_t i = 0; i < pack.rules->size(); ++i) run.ruleIds.insert(pack.rules->rule(i).id);
  auto processor = EventProcessor::create(pack.rules, EnvelopeOptions{}, pack.correlations).value();
  CorrelationEngine correlator(pack.correlations, CorrelationOptions{});
  std::set<std::string> seenIds;  // stages of one request give one alert id
  const auto collect = [&](const std::vector<Alert>& alerts) {
    for (const Alert& alert : alerts) {
      if (seenIds.insert(alert.id).second) run.alerts.insert({alert.rule->id, alert.evidence.auditIds});
    }
  };
  std::size_t lineNumber = 0;
  for (const std::string& line : lines(dir / "events.jsonl")) {
    ++lineNumber;
    ProcessResult result = processor->process(line, MessageContext{"test", std::nullopt, std::nullopt});
    for (const Rejection& rejection : result.rejections) {
      run.problems.push_back("events.jsonl:" + std::to_string(lineNumber) + ": " + rejection.message);
    }
    collect(result.alerts);
    correlator.add(0, result.latestEventTime, std::move(result.signals));
    collect(correlator.advance());
  }
  collect(correlator.finish());
  return run;
}

std::string describe(const std::multiset<AlertKey>& alerts) {
  std::string out;
  for (const auto& [rule, ids] : alerts) {
    out += "  " + rule + " [";
    for (const std::string& id : ids) out += id + " ";
    out += "]\n";
  }
  return out;
}

class RuleCase : public testing::TestWithParam<std::string> {};

TEST_P(RuleCase, YieldsExactlyTheExpectedAlerts) {
  const fs::path dir = kCases / GetParam();
  const CaseRun run = runCase(dir);
  for (const std::string& problem : run.problems) ADD_FAILURE() << problem;
  const std::multiset<AlertKey> expected = expectedAlerts(dir);
  std::multiset<AlertKey> missing;
  std::multiset<AlertKey> extra;
  std::set_difference(expected.begin(), expected.end(), run.alerts.begin(), run.alerts.end(),
                      std::inserter(missing, missing.end()));
  std::set_difference(run.alerts.begin(), run.alerts.end(), expected.begin(), expected.end(),
                      std::inserter(extra, extra.end()));
  EXPECT_TRUE(missing.empty()) << "expected but not raised:\n" << describe(missing);
  EXPECT_TRUE(extra.empty()) << "raised but not expected:\n" << describe(extra);
}

INSTANTIATE_TEST_SUITE_P(Cases, RuleCase, testing::ValuesIn(caseNames()),
                         [](const testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param;
                           std::replace_if(
                               name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
                           return name;
                         });

std::vector<std::string> yamlList(const YAML::Node& node) {
  std::vector<std::string> out;
  if (node && node.IsSequence()) {
    for (const YAML::Node& item : node) out.push_back(item.as<std::string>());
  }
  return out;
}

TEST(RuleCases, EveryBundledRuleHasAPositiveAndANearMissCase) {
  const RulePack bundled = loadRulePack({kBundled.string()});
  ASSERT_TRUE(bundled.problems.empty()) << bundled.problems.front().message();
  std::set<std::string> positive;
  std::set<std::string> negative;
  std::set<std::string> neverMatches;
  for (const std::string& name : caseNames()) {
    const fs::path dir = kCases / name;
    if (fs::is_directory(dir / "rules")) continue;
    for (const auto& [rule, ids] : expectedAlerts(dir)) positive.insert(rule);
    const YAML::Node meta = YAML::LoadFile((dir / "case.yml").string());
    for (const std::string& id : yamlList(meta["near_miss_for"])) negative.insert(id);
    for (const std::string& id : yamlList(meta["never_matches"])) neverMatches.insert(id);
  }
  ASSERT_GT(bundled.rules->size(), 30U);
  std::vector<const RuleMetadata*> alerting;  // rules that alert on their own, and correlations
  for (std::uint32_t i = 0; i < bundled.rules->size(); ++i) {
    if (bundled.correlations->ruleAlertsAlone(i)) alerting.push_back(&bundled.rules->rule(i));
  }
  for (std::size_t i = 0; i < bundled.correlations->size(); ++i) {
    alerting.push_back(bundled.correlations->at(i).meta.get());
  }
  for (const RuleMetadata* meta : alerting) {
    const RuleMetadata& rule = *meta;
    EXPECT_TRUE(positive.contains(rule.id) || neverMatches.contains(rule.id))
        << "no case raises " << rule.id << " (" << rule.title << ", " << rule.file << ")";
    EXPECT_TRUE(negative.contains(rule.id)) << "no near-miss case names " << rule.id << " (" << rule.title << ")";
  }
}

}  // namespace
}  // namespace auditstream
