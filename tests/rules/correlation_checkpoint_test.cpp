// Checkpoints (CorrelationEngine::takeChanges / restoreClocks / restoreKey): an engine restored from the
// checkpoints it wrote — the last state of every key it changed, its clocks, and the signals it still
// buffered read again by origin — goes on to raise exactly the alerts an engine that never stopped
// raises, whatever the cut. Every bundled correlation's case events, two partitions.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>

#include "config/rule_pack.h"
#include "engine/correlation_engine.h"
#include "engine/correlation_key_state.h"
#include "engine/event_processor.h"
#include "tests/rules/case_events.h"

namespace auditstream {
namespace {

namespace fs = std::filesystem;

using Message = CaseMessage;

using AlertSummary = std::vector<std::tuple<std::string, std::string, std::uint64_t>>;  // rule, id, count

// What a changelog keeps: the last state of each key, and the last clocks.
struct Changelog {
  std::map<std::pair<std::uint32_t, std::string>, std::string> keys;
  EngineClocks clocks;
  std::size_t records = 0;

  void write(EngineCheckpoint checkpoint) {
    for (KeyChange& change : checkpoint.keys) {
      ++records;
      if (change.state) {
        keys[{change.correlation, change.key}] = std::move(*change.state);
      } else {
        keys.erase({change.correlation, change.key});
      }
    }
    clocks = std::move(checkpoint.clocks);
  }
};

class Checkpoints : public testing::Test {
 protected:
  void SetUp() override {
    pack_ = loadRulePack({AUDITSTREAM_BUNDLED_RULES_DIR});
    ASSERT_TRUE(pack_.problems.empty());
    messages_ = allCaseEvents();
    ASSERT_GT(messages_.size(), 100U);
    processor_ = EventProcessor::create(pack_.rules, EnvelopeOptions{}, pack_.correlations).value();
    // Each message's signals, numbered by origin (as a task numbers them by signals offset).
    std::int64_t origin = 0;
    for (const Message& message : messages_) {
      ProcessResult result =
          processor_->process(message.text, MessageContext{"c1", std::nullopt, std::nullopt, message.partition});
      for (Signal& signal : result.signals) {
        signal.origin = origin++;
        bySignalOrigin_.push_back(signal);
      }
      results_.push_back(std::move(result));
    }
  }

  std::unique_ptr<CorrelationEngine> newEngine() const {
    CorrelationOptions options;
    options.trackChanges = true;
    auto engine = std::make_unique<CorrelationEngine>(pack_.correlations, options);
    engine->observe(0, EventTime{messages_.front().time});
    engine->observe(1, EventTime{messages_.front().time});
    return engine;
  }

  // Messages in batches of 5, a checkpoint after each batch; at batch `crashAfter` the engine is dropped
  // right after its checkpoint and a new one restored from the changelog goes on (never: -1).
  AlertSummary run(int crashAfter, std::size_t* restoredKeys = nullptr, std::size_t* rebuffered = nullptr) {
    AlertSummary alerts;
    const auto collect = [&](const std::vector<Alert>& fired) {
      for (const Alert& alert : fired) alerts.emplace_back(alert.rule->id, alert.id, alert.count);
    };
    std::unique_ptr<CorrelationEngine> engine = newEngine();
    Changelog changelog;
    constexpr std::size_t kBatch = 5;
    for (std::size_t start = 0, batch = 0; start < messages_.size(); start += kBatch, ++batch) {
      for (std::size_t i = start; i < std::min(start + kBatch, messages_.size()); ++i) {
        ProcessResult result = results_[i];  // a copy: the results are reused by each run
        for (const Alert& alert : result.alerts) alerts.emplace_back(alert.rule->id, alert.id, alert.count);
        engine->add(messages_[i].partition, result.latestEventTime, std::move(result.signals));
      }
      collect(engine->advance());
      changelog.write(engine->takeChanges());
      if (static_cast<int>(batch) != crashAfter) continue;
      engine = std::make_unique<CorrelationEngine>(pack_.correlations, CorrelationOptions{.trackChanges = true});
      engine->restoreClocks(changelog.clocks);
      for (const auto& [key, state] : changelog.keys)
        EXPECT_TRUE(engine->restoreKey(key.first, key.second, state).isOk());
      for (const std::int64_t origin : changelog.clocks.pendingOrigins) {
        engine->add(bySignalOrigin_.at(static_cast<std::size_t>(origin)));
      }
      if (restoredKeys != nullptr) *restoredKeys = changelog.keys.size();
      if (rebuffered != nullptr) *rebuffered = changelog.clocks.pendingOrigins.size();
    }
    collect(engine->finish());
    std::sort(alerts.begin(), alerts.end());
    return alerts;
  }

  RulePack pack_;
  std::vector<Message> messages_;
  std::unique_ptr<EventProcessor> processor_;
  std::vector<ProcessResult> results_;
  std::vector<Signal> bySignalOrigin_;
};

TEST_F(Checkpoints, ARestoredEngineRaisesExactlyTheAlertsOfOneThatNeverStopped) {
  const AlertSummary reference = run(-1);
  const auto correlationAlerts = std::count_if(reference.begin(), reference.end(), [](const auto& alert) {
    return std::get<0>(alert).starts_with("7a0c1e52-5f7d-4a39-9d41-0000000001");
  });
  ASSERT_GE(correlationAlerts, 9);
  const int batches = static_cast<int>((messages_.size() + 4) / 5);
  std::size_t mostKeys = 0;
  std::size_t mostBuffered = 0;
  for (int crash = 0; crash < batches; crash += 3) {
    std::size_t keys = 0;
    std::size_t buffered = 0;
    EXPECT_EQ(run(crash, &keys, &buffered), reference) << "restored after batch " << crash;
    mostKeys = std::max(mostKeys, keys);
    mostBuffered = std::max(mostBuffered, buffered);
  }
  EXPECT_GT(mostKeys, 0U);      // some cut had open windows to restore
  EXPECT_GT(mostBuffered, 0U);  // and some had signals still waiting for the watermark
}

TEST(KeyStateCodec, RoundTripsEveryFieldAndRefusesBadBytes) {
  KeyState state;
  state.entries.push_back({EventTime{5}, AuditId("a1")});
  state.entries.push_back({EventTime{9}, AuditId("b2")});
  state.entries.push_back({EventTime{9}, AuditId("0b4c5e1e-8a9f-4c7d-9e2a-1f0000000001")});
  state.suppressedUntil = 77;
  KeyExtra& extra = state.more();
  extra.values = {{"v1", EventTime{3}}};
  extra.known = {{"curl/8", KnownValue{EventTime{4}, 42}}};
  extra.steps = {EventTime{1}, std::nullopt};
  extra.windowStart = EventTime{2};
  extra.total = 6;
  extra.evidence.user = "mallory";
  extra.evidence.auditIds = {"a1"};
  extra.provenance = AlertProvenance{"audit.c1", 3, 99};
  std::string bytes;
  encodeKeyState(state, bytes);
  Result<KeyState> decoded = decodeKeyState(bytes);
  ASSERT_TRUE(decoded) << decoded.status();
  std::string again;
  encodeKeyState(*decoded, again);
  EXPECT_EQ(again, bytes);
  EXPECT_EQ(decoded->entries[1].auditId.text(), "b2");
  EXPECT_EQ(decoded->entries[2].auditId.text(), "0b4c5e1e-8a9f-4c7d-9e2a-1f0000000001");
  EXPECT_TRUE(decoded->entries[2].auditId.uuid());
  EXPECT_EQ(decoded->extra->known.at("curl/8").introducedBy, 42U);
  EXPECT_EQ(decoded->extra->provenance->offset, 99);
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(decodeKeyState(std::string_view(bytes).substr(0, cut))) << "cut at " << cut;
  }
  EXPECT_FALSE(decodeKeyState(bytes + "x"));
}

// Canonical lowercase RFC 4122 UUIDs pack into 16 bytes; any other text is kept exactly.
TEST(AuditIdForm, PacksUuidsAndKeepsEveryOtherTextExactly) {
  static_assert(sizeof(AuditId) == 16 && sizeof(WindowEntry) == 24);
  const AuditId uuid("0b4c5e1e-8a9f-4c7d-9e2a-1f0000000abc");
  EXPECT_TRUE(uuid.uuid());
  EXPECT_EQ(uuid.text(), "0b4c5e1e-8a9f-4c7d-9e2a-1f0000000abc");
  EXPECT_TRUE(uuid == "0b4c5e1e-8a9f-4c7d-9e2a-1f0000000abc");
  EXPECT_FALSE(uuid == "0b4c5e1e-8a9f-4c7d-9e2a-1f0000000abd");
  for (const std::string& text : std::vector<std::string>{
           "a1", "", "0B4C5E1E-8A9F-4C7D-9E2A-1F0000000ABC", "0b4c5e1e-8a9f-4c7d-1e2a-1f0000000abc",
           "0b4c5e1e8a9f4c7d9e2a1f0000000abc0000", std::string(300, 'x')}) {
    const AuditId id(text);
    EXPECT_FALSE(id.uuid()) << text;  // upper case, the NCS variant, no hyphens: as they are
    EXPECT_EQ(id.text(), text);
    EXPECT_TRUE(id == text);
    AuditId copy = id;
    AuditId moved = std::move(copy);
    EXPECT_EQ(moved.text(), text);
    copy = moved;
    EXPECT_EQ(copy.text(), text);
  }
}

}  // namespace
}  // namespace auditstream
