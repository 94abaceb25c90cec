// SignalRecord: what crosses the signals topic comes back as it went in, every member agrees on where a
// signal goes, and bytes that are not a record are an error (never a crash, never a misapplied signal).
#include "engine/signal_record.h"

#include <gtest/gtest.h>
#include <set>

#include "config/rule_pack.h"
#include "config/sigma_rule_loader.h"

namespace auditstream {
namespace {

class SignalRecords : public testing::Test {
 protected:
  static void SetUpTestSuite() { pack_ = new RulePack(loadRulePack({AUDITSTREAM_BUNDLED_RULES_DIR})); }
  static void TearDownTestSuite() { delete pack_; }

  static std::uint32_t correlationNamed(const std::string& id) {
    for (std::uint32_t i = 0; i < pack_->correlations->size(); ++i) {
      if (pack_->correlations->at(i).meta->id == id) return i;
    }
    ADD_FAILURE() << "no correlation " << id;
    return 0;
  }

  // A signal of the first correlation with a group-by and every evidence field set.
  Signal fullSignal() const {
    Signal signal;
    for (std::uint32_t i = 0; i < pack_->correlations->size(); ++i) {
      if (!pack_->correlations->at(i).spec.groupBy.empty()) {
        signal.correlation = i;
        break;
      }
    }
    const CorrelationSpec& spec = pack_->correlations->at(signal.correlation).spec;
    signal.ruleOrdinal = static_cast<std::uint32_t>(spec.rules.size() - 1);
    signal.time = EventTime{1'764'000'000'123'456'789};
    signal.cluster = "prod-eu";
    for (const std::string& field : spec.groupBy) signal.groupBy.emplace_back(field, "value of " + field);
    signal.value = "counted";
    signal.auditId = "3f1c-audit";
    signal.evidence = {
        {"a1", "a2"}, "alice", "bob",    {"10.0.0.1", "::1"}, "get", "/api/v1/secrets", "ns", "secrets", "",
        "token",      "403",   "forbid", "kubectl/1.31"};
    signal.provenance = AlertProvenance{"audit.prod-eu", 3, 99};
    return signal;
  }

  static RulePack* pack_;
  SignalCodec codec_{pack_->correlations};
};
RulePack* SignalRecords::pack_ = nullptr;

TEST_F(SignalRecords, ASignalComesBackAsItWentIn) {
  const Signal sent = fullSignal();
  std::string bytes;
  codec_.encodeSignal(sent, {"audit.prod-eu", 3}, 99, 2, bytes);
  auto decoded = codec_.decode(bytes);
  ASSERT_TRUE(decoded.isOk()) << decoded.status().message();
  const auto& record = std::get<SignalRecord>(*decoded);
  EXPECT_EQ(record.source, (SignalSource{"audit.prod-eu", 3}));
  EXPECT_EQ(record.offset, 99);
  EXPECT_EQ(record.index, 2U);
  const Signal& got = record.signal;
  EXPECT_EQ(got.correlation, sent.correlation);
  EXPECT_EQ(got.ruleOrdinal, sent.ruleOrdinal);
  EXPECT_EQ(got.time.nanosSinceEpoch, sent.time.nanosSinceEpoch);
  EXPECT_EQ(got.cluster, sent.cluster);
  EXPECT_EQ(got.groupBy, sent.groupBy);
  EXPECT_EQ(got.value, sent.value);
  EXPECT_EQ(got.auditId, sent.auditId);
  EXPECT_EQ(got.evidence.auditIds, sent.evidence.auditIds);
  EXPECT_EQ(got.evidence.sourceIps, sent.evidence.sourceIps);
  EXPECT_EQ(got.evidence.user, "alice");
  EXPECT_EQ(got.evidence.impersonatedUser, "bob");
  EXPECT_EQ(got.evidence.requestUri, "/api/v1/secrets");
  EXPECT_EQ(got.evidence.name, "token");
  EXPECT_EQ(got.evidence.userAgent, "kubectl/1.31");
  ASSERT_TRUE(got.provenance.has_value());
  EXPECT_EQ(got.provenance->topic, "audit.prod-eu");
  EXPECT_EQ(got.provenance->partition, 3);
  EXPECT_EQ(got.provenance->offset, 99);
  EXPECT_GT(groupKeyOf(got).size(), 0U);
  EXPECT_EQ(groupKeyOf(got), groupKeyOf(sent));
}

TEST_F(SignalRecords, ProgressComesBackAsItWentIn) {
  std::string bytes;
  SignalCodec::encodeProgress({{"audit.a", 11}, -5, true, -9}, bytes);
  auto decoded = codec_.decode(bytes);
  ASSERT_TRUE(decoded.isOk()) << decoded.status().message();
  const auto& progress = std::get<ProgressRecord>(*decoded);
  EXPECT_EQ(progress.source, (SignalSource{"audit.a", 11}));
  EXPECT_EQ(progress.watermarkNanos, -5);
  EXPECT_TRUE(progress.idle);
  EXPECT_EQ(progress.startNanos, -9);
}

// A progress record written before it carried the source's start reads with the start at its watermark.
TEST_F(SignalRecords, AProgressRecordWithoutItsStartReadsTheWatermarkAsTheStart) {
  std::string bytes;
  SignalCodec::encodeProgress({{"audit.a", 2}, 77, false, 10}, bytes);
  bytes.pop_back();  // the start (a one-byte varint) was the last field
  auto decoded = codec_.decode(bytes);
  ASSERT_TRUE(decoded.isOk()) << decoded.status().message();
  EXPECT_EQ(std::get<ProgressRecord>(*decoded).startNanos, 77);
}

TEST_F(SignalRecords, ASmallSignalIsAFewDozenBytes) {
  Signal signal = fullSignal();
  signal.evidence = {};
  signal.evidence.auditIds = {"0f6c1a2e-6c0d-4a55-9a6b-1f0c2d3e4f50"};
  signal.provenance.reset();
  std::string bytes;
  codec_.encodeSignal(signal, {"audit.c", 0}, 1'000'000, 0, bytes);
  EXPECT_LT(bytes.size(), 200U);
}

// Every member computes the same partition from the record alone; keys spread over the partitions.
TEST_F(SignalRecords, PartitionsAreStableAndSpread) {
  Signal signal = fullSignal();
  std::set<std::int32_t> used;
  for (int user = 0; user < 200; ++user) {
    signal.groupBy[0].second = "user-" + std::to_string(user);
    const std::int32_t partition = codec_.partitionOf(signal, 12);
    EXPECT_EQ(partition, SignalCodec(pack_->correlations).partitionOf(signal, 12));
    ASSERT_GE(partition, 0);
    ASSERT_LT(partition, 12);
    used.insert(partition);
  }
  EXPECT_EQ(used.size(), 12U);
  EXPECT_EQ(codec_.partitionOf(signal, 1), 0);
  // FNV-1a's published test vectors: the hash may never change between builds or versions.
  EXPECT_EQ(stableHash(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(stableHash("a"), 0xaf63dc4c8601ec8cULL);
}

TEST_F(SignalRecords, BadBytesAreErrorsThatSayWhatIsWrong) {
  std::string good;
  codec_.encodeSignal(fullSignal(), {"t", 0}, 1, 0, good);
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    auto decoded = codec_.decode(std::string_view(good).substr(0, cut));
    EXPECT_FALSE(decoded.isOk()) << "cut at " << cut;
  }
  EXPECT_NE(codec_.decode(good + "x").status().message().find("bytes after the end"), std::string::npos);
  EXPECT_NE(codec_.decode("Z\x01").status().message().find("unknown record type"), std::string::npos);
  EXPECT_NE(codec_.decode("S\x07").status().message().find("unknown version"), std::string::npos);
  std::string huge = "S\x01\xff\xff\xff\xff\x0f";  // a string length far past the end
  EXPECT_NE(codec_.decode(huge).status().message().find("past the end"), std::string::npos);
}

// A chain of correlations stays on one partition, whatever the group key: the inner one's fires must
// reach the outer one's windows in the same engine.
TEST(SignalPartitions, ChainedCorrelationsShareOnePartition) {
  RuleLoad load = loadSigmaRulesFromText(
      "title: base\nid: base\nname: base\nlogsource: {product: kubernetes, service: audit}\n"
      "detection: {sel: {verb: get}, condition: sel}\n---\n"
      "title: inner\nid: inner\nname: inner\ncorrelation: {type: event_count, rules: [base], "
      "group-by: [user.username], timespan: 10s, condition: {gte: 2}}\n---\n"
      "title: outer\nid: outer\ncorrelation: {type: event_count, rules: [inner], group-by: [user.username], "
      "timespan: 300s, condition: {gte: 2}}\n---\n"
      "title: alone\nid: alone\ncorrelation: {type: event_count, rules: [base], group-by: [user.username], "
      "timespan: 300s, condition: {gte: 2}}\n",
      "c.yml");
  ASSERT_TRUE(load.problems.empty()) << load.problems[0].message();
  auto rules = RuleSet::create(std::move(load.rules), load.options).rules;
  auto build = CorrelationSet::create(std::move(load.correlations), *rules, load.options);
  ASSERT_TRUE(build.problems.empty()) << build.problems[0].message();
  const SignalCodec codec(build.correlations);
  std::set<std::int32_t> alone;
  for (int user = 0; user < 100; ++user) {
    for (std::uint32_t correlation = 0; correlation < build.correlations->size(); ++correlation) {
      Signal signal;
      signal.correlation = correlation;
      signal.groupBy = {{"user.username", "u" + std::to_string(user)}};
      const std::int32_t partition = codec.partitionOf(signal, 8);
      if (build.correlations->at(correlation).meta->id == "alone") {
        alone.insert(partition);
      } else {
        EXPECT_EQ(partition, 0) << build.correlations->at(correlation).meta->id;
      }
    }
  }
  EXPECT_EQ(alone.size(), 8U);
}

// A member still on an older rule set hears of a correlation it does not know: reported, not guessed.
TEST_F(SignalRecords, ACorrelationThisMemberDoesNotKnowIsReported) {
  std::string bytes;
  codec_.encodeSignal(fullSignal(), {"t", 0}, 1, 0, bytes);
  const std::string id = codec_.correlations().at(fullSignal().correlation).meta->id;
  const std::size_t at = bytes.find(id);
  ASSERT_NE(at, std::string::npos);
  bytes[at] = bytes[at] == 'x' ? 'y' : 'x';
  auto decoded = codec_.decode(bytes);
  ASSERT_FALSE(decoded.isOk());
  EXPECT_NE(decoded.status().message().find("is not loaded here"), std::string::npos) << decoded.status().message();
}

}  // namespace
}  // namespace auditstream
