#include "config/sigma_rule_loader.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

#include "config/rule_pack.h"

namespace auditstream {
namespace {

namespace fs = std::filesystem;

class SigmaRuleLoader : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("auditstream-rules-" + std::to_string(::getpid()) + "-" +
                                        testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  // The problems of loading and compiling one file holding `text`, as "rule.yml:line:col: reason".
  std::vector<std::string> problems(const std::string& text) {
    write("rule.yml", text);
    std::vector<std::string> out;
    for (const Status& problem : loadRulePack({dir_.string()}).problems) {
      std::string message = problem.message();
      const std::string prefix = dir_.string() + "/";
      for (std::size_t at; (at = message.find(prefix)) != std::string::npos;) message.erase(at, prefix.size());
      out.push_back(message);
    }
    return out;
  }

  fs::path dir_;
};

const std::string kHeader = "title: t\nid: r1\nlogsource:\n  product: kubernetes\n  service: audit\n";

TEST_F(SigmaRuleLoader, LoadsARuleWithItsMetadata) {
  write("r.yml", kHeader +
                     "author: someone\nlevel: high\ntags: [attack.t1609]\ndetection:\n  sel:\n    verb: get\n"
                     "  condition: sel\n");
  const RuleLoad load = loadSigmaRules({dir_.string()});
  ASSERT_TRUE(load.problems.empty()) << load.problems[0].message();
  ASSERT_EQ(load.rules.size(), 1U);
  EXPECT_EQ(load.rules[0].meta.author, "someone");
  EXPECT_EQ(load.rules[0].meta.level, "high");
  EXPECT_EQ(load.rules[0].meta.tags, std::vector<std::string>{"attack.t1609"});
  EXPECT_EQ(load.rules[0].where.line, 1);
}

TEST_F(SigmaRuleLoader, EveryProblemHasItsPosition) {
  const std::string detection = "detection:\n  sel:\n";
  EXPECT_EQ(problems(kHeader + detection + "    verb|frob: get\n  condition: sel\n"),
            std::vector<std::string>{"rule.yml:8:5: unknown modifier 'frob'"});
  EXPECT_EQ(
      problems(kHeader + detection + "    verb: get\n  condition: sel and other\n"),
      std::vector<std::string>{"rule.yml:9:14: the condition names 'other', which is not a search identifier here"});
  EXPECT_EQ(
      problems(kHeader + detection + "    verb: get\n  condition: sel |\n"),
      std::vector<std::string>{"rule.yml:9:14: condition 'sel |': column 5: aggregation expressions ('|') are not "
                               "supported; write a Sigma correlation rule"});
  EXPECT_EQ(problems(kHeader + detection + "    verb: get\n  timeframe: 5m\n  condition: sel\n"),
            std::vector<std::string>{
                "rule.yml:9:3: 'timeframe' (Sigma v1 aggregation) is not supported; write a correlation rule"});
  EXPECT_EQ(problems(kHeader + detection + "    verb: get\n"),
            std::vector<std::string>{"rule.yml:7:3: detection has no condition"});
  EXPECT_EQ(problems(kHeader + detection + "    sourceIPs|cidr: 10.0.0.0/33\n  condition: sel\n"),
            std::vector<std::string>{"rule.yml:8:21: '10.0.0.0/33' is not a CIDR network"});
  EXPECT_EQ(problems(kHeader + detection + "    verb|contains|all: get\n  condition: sel\n"),
            std::vector<std::string>{"rule.yml:8:5: 'all' needs a list of values"});
  EXPECT_EQ(problems(kHeader + detection + "    verb|exists: maybe\n  condition: sel\n"),
            std::vector<std::string>{"rule.yml:8:18: exists takes true or false"});
  EXPECT_EQ(problems(kHeader + detection + "    verb|utf16le: x\n  condition: sel\n"),
            std::vector<std::string>{"rule.yml:8:5: modifier 'utf16le' is not supported: audit events are UTF-8 JSON"});
  EXPECT_EQ(
      problems(kHeader + "level: severe\n" + detection + "    verb: get\n  condition: sel\n"),
      std::vector<std::string>{"rule.yml:6:8: level 'severe' must be informational, low, medium, high or critical"});
  EXPECT_EQ(problems(kHeader + detection + "    verb:\n      nested: map\n  condition: sel\n"),
            std::vector<std::string>{
                "rule.yml:9:7: a value must be a string, number, boolean or null (nested maps are not Sigma)"});
  EXPECT_EQ(problems(kHeader + detection + "    verb: get\n    verb: list\n  condition: sel\n"),
            std::vector<std::string>{"rule.yml:9:5: duplicate key 'verb' (first defined at rule.yml:8:5)"});
  const auto regex = problems(kHeader + detection + "    requestURI|re: '(?<=x)y'\n  condition: sel\n");
  ASSERT_EQ(regex.size(), 1U);
  EXPECT_TRUE(regex[0].starts_with("rule.yml:8:20: regular expression '(?<=x)y' cannot run on Hyperscan")) << regex[0];
}

TEST_F(SigmaRuleLoader, OtherLogSourcesAreSkippedAndCounted) {
  write("win.yml",
        "title: w\nid: w1\nlogsource:\n  product: windows\ndetection:\n  s:\n    Image: x\n  condition: s\n");
  const RuleLoad load = loadSigmaRules({dir_.string()});
  EXPECT_TRUE(load.problems.empty());
  EXPECT_TRUE(load.rules.empty());
  EXPECT_EQ(load.skippedOtherLogsource, 1U);
}

TEST_F(SigmaRuleLoader, FiltersAndDuplicateIdsAndUnknownReferences) {
  write("a.yml", kHeader + "detection:\n  sel:\n    verb: get\n  condition: sel\n");
  write("b.yml", kHeader + "detection:\n  sel:\n    verb: list\n  condition: sel\n");
  write("f.yml",
        "title: f\nlogsource:\n  product: kubernetes\n  service: audit\nfilter:\n  rules:\n    - r1\n    - nope\n"
        "  selection:\n    user.username: admin\n  condition: not selection\n");
  const RuleLoad load = loadSigmaRules({dir_.string()});
  ASSERT_EQ(load.problems.size(), 2U);
  EXPECT_EQ(load.problems[0].message(),
            (dir_ / "b.yml").string() + ":1:1: rule id 'r1' is also used at " + (dir_ / "a.yml").string() + ":1:1");
  EXPECT_EQ(load.problems[1].message(),
            (dir_ / "f.yml").string() + ":7:5: the filter names rule 'nope', which is not loaded");
  EXPECT_EQ(load.rules[0].filters.size(), 1U);
}

TEST_F(SigmaRuleLoader, BundledRulesLoadWithoutProblems) {
  const RulePack pack = loadRulePack({AUDITSTREAM_BUNDLED_RULES_DIR});
  for (const Status& problem : pack.problems) ADD_FAILURE() << problem.message();
  EXPECT_GE(pack.rules->size(), 31U);  // 16 SigmaHQ + at least 15 of ours
}

}  // namespace
}  // namespace auditstream
