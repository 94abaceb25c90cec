// CorrelationTask's watermark protocol, record by record (no Kafka): a task counts every input partition
// whose owner said hello among its sources; a source's clock moves by its progress records only (a
// signal says nothing of how far its source has read); a source stops holding the watermark back only
// when its owner reports it idle. So a signal is applied — and a burst fires — only once every source has
// passed its time, whatever order the records of different sources arrive in.
#include "consumer/correlation_task.h"

#include <gtest/gtest.h>
#include <limits>

#include "config/rule_pack.h"

namespace auditstream {
namespace {

constexpr const char* kPerUserBurst = "7a0c1e52-5f7d-4a39-9d41-000000000101";  // ≥ 10 denials in 30 min
constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kStart = 1'764'000'000 * kSecond;
constexpr std::int64_t kNoClock = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kNoStart = std::numeric_limits<std::int64_t>::max();

class CorrelationTaskRecords : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pack_ = new RulePack(loadRulePack({AUDITSTREAM_BUNDLED_RULES_DIR})); }
  static void TearDownTestSuite() { delete pack_; }

  void SetUp() override {
    ASSERT_TRUE(pack_->problems.empty());
    codec_ = std::make_shared<const SignalCodec>(pack_->correlations);
    CorrelationOptions options;
    options.allowedLatenessNanos = 0;
    options.signalsMoveClocks = false;  // as the pipeline makes its tasks
    task_ = std::make_unique<CorrelationTask>(codec_, options, 0, Logger{});
  }

  void progress(const SignalSource& source, std::int64_t watermark, bool idle, std::int64_t start) {
    std::string bytes;
    SignalCodec::encodeProgress({source, watermark, idle, start}, bytes);
    task_->take(offset_++, bytes);
  }

  void denial(const SignalSource& source, std::int64_t sourceOffset, std::int64_t at) {
    Signal signal;
    for (std::uint32_t i = 0; i < pack_->correlations->size(); ++i) {
      if (pack_->correlations->at(i).meta->id == kPerUserBurst) signal.correlation = i;
    }
    signal.time = EventTime{at};
    signal.cluster = "prod";
    signal.groupBy = {{"user.username", "mallory"}};
    signal.auditId = "denial-" + std::to_string(source.partition) + "-" + std::to_string(sourceOffset);
    signal.evidence.auditIds = {signal.auditId};
    std::string bytes;
    codec_->encodeSignal(signal, source, sourceOffset, 0, bytes);
    ASSERT_TRUE(task_->take(offset_++, bytes).has_value());
  }

  std::size_t fired() {
    std::size_t count = 0;
    for (const Alert& alert : task_->takeFiredAfterCatchingUp(std::chrono::seconds(10)).alerts) {
      count += alert.rule->id == kPerUserBurst ? 1U : 0U;
    }
    return count;
  }

  static RulePack* pack_;
  std::shared_ptr<const SignalCodec> codec_;
  std::unique_ptr<CorrelationTask> task_;
  std::int64_t offset_ = 0;
  const SignalSource a_{"audit.prod", 0};
  const SignalSource b_{"audit.prod", 1};
};
RulePack* CorrelationTaskRecords::pack_ = nullptr;

TEST_F(CorrelationTaskRecords, ABurstFiresOnlyOnceEverySourceHasPassedItOrIsIdle) {
  progress(a_, kNoClock, false, kNoStart);  // hellos: both partitions have owners, nothing read yet
  progress(b_, kNoClock, false, kNoStart);
  for (int i = 0; i < 10; ++i) denial(a_, i, kStart + i * kSecond);
  EXPECT_EQ(fired(), 0U) << "A's signals say nothing of how far A has read";
  progress(a_, kStart + 20 * kSecond, false, kStart);
  EXPECT_EQ(fired(), 0U) << "B has an owner and no clock yet: it may still hold a denial of mallory's";
  progress(b_, kNoClock, true, kNoStart);  // B's owner: nothing to read for idle_timeout
  EXPECT_EQ(fired(), 1U);
  EXPECT_EQ(task_->watermark(), kStart + 20 * kSecond);
}

// The same ten denials, B's part arriving after A's progress had passed it: B's owner had not reported
// past them, so they are in time, not late, and the burst fires once with all ten.
TEST_F(CorrelationTaskRecords, ASlowSourcesSignalsAreInTimeUntilItsOwnProgressPassesThem) {
  progress(a_, kNoClock, false, kNoStart);
  progress(b_, kNoClock, false, kNoStart);
  for (int i = 0; i < 5; ++i) denial(a_, i, kStart + 2 * i * kSecond);
  progress(a_, kStart + 60 * kSecond, false, kStart);
  progress(b_, kStart, false, kStart);
  EXPECT_EQ(fired(), 0U);
  for (int i = 0; i < 5; ++i) denial(b_, i, kStart + (2 * i + 1) * kSecond);
  progress(b_, kStart + 60 * kSecond, false, kStart);
  EXPECT_EQ(fired(), 1U);
  EXPECT_EQ(task_->engineCounters().late, 0U);
}

}  // namespace
}  // namespace auditstream
