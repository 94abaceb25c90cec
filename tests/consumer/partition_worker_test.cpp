// A partition worker routes the alerts it builds itself (no hub): the polling thread gets back only the
// message's signals and pending effects, and the message cannot be done before its alert is acknowledged
// and its outcome applied.
#include "consumer/partition_worker.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <set>
#include <thread>

#include "config/rule_pack.h"
#include "tests/sinks/fake_sink.h"
#include "tests/support/wait_until.h"

namespace auditstream {
namespace {

const std::string kExec =
    R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a1","stage":"ResponseComplete","verb":"create",)"
    R"("user":{"username":"mallory"},"objectRef":{"resource":"pods","namespace":"default","name":"web",)"
    R"("subresource":"exec"},"requestURI":"/api/v1/namespaces/default/pods/web/exec?command=sh",)"
    R"("responseStatus":{"code":101},"stageTimestamp":"2026-01-01T00:00:00Z"})";

struct Harness {
  SystemClock clock;
  std::shared_ptr<testing::FakeSink> sink = std::make_shared<testing::FakeSink>("kafka", true);
  std::unique_ptr<AlertRouter> router = AlertRouter::create({sink}, {}).value();
  AlertDispatch::Latency latency;
  DoneOffsets done;
  OutcomeQueue outcomes{[] {}};
  WorkerContext context;
  StreamName stream{"audit.prod", 0, 0, true};

  explicit Harness(bool workerRoutes) {
    context.router = workerRoutes ? router.get() : nullptr;
    context.deliveredLatency = &latency;
    context.done = &done;
    context.outcomes = &outcomes;
    context.clock = &clock;
  }
  std::unique_ptr<PartitionWorker> worker(unsigned number = 0) const {
    const RulePack pack = loadRulePack({AUDITSTREAM_BUNDLED_RULES_DIR});
    return std::make_unique<PartitionWorker>(EventProcessor::create(pack.rules, EnvelopeOptions{}).value(), context,
                                             number);
  }
  std::vector<MessageOutcome> run(PartitionWorker& worker) {
    std::vector<InputMessage> batch(1);
    batch[0].stream = &stream;
    batch[0].offset = 7;
    batch[0].payload = kExec;
    worker.submit(std::move(batch));
    std::vector<MessageOutcome> taken;
    EXPECT_TRUE(testing::waitUntil(
        [&] {
          for (MessageOutcome& outcome : outcomes.take()) taken.push_back(std::move(outcome));
          return !taken.empty();
        },
        std::chrono::seconds(10)));
    return taken;
  }
};

TEST(PartitionWorker, RoutesItsOwnAlertsAndTheMessageWaitsForTheAcknowledgement) {
  Harness harness(true);
  harness.sink->cork();
  auto worker = harness.worker();
  std::vector<MessageOutcome> outcomes = harness.run(*worker);
  ASSERT_EQ(outcomes.size(), 1U);
  MessageOutcome& outcome = outcomes[0];
  EXPECT_TRUE(outcome.alerts.empty());  // routed by the worker, not handed to the polling thread
  ASSERT_FALSE(harness.sink->alerts().empty());
  std::size_t counted = 0;
  for (const auto& [level, count] : worker->alertCounts().byLevel) counted += count;
  EXPECT_EQ(counted, harness.sink->alerts().size());
  ASSERT_TRUE(outcome.effects);
  outcome.effects->settle();  // the polling thread applied the outcome: only the acknowledgement holds it
  EXPECT_TRUE(harness.done.take().empty());
  harness.sink->uncork();
  const auto done = harness.done.take();
  ASSERT_EQ(done.size(), 1U);
  EXPECT_EQ(done[0].second, 7);
}

TEST(PartitionWorker, AcknowledgedBeforeTheOutcomeIsAppliedTheMessageIsStillNotDone) {
  Harness harness(true);
  auto worker = harness.worker();
  std::vector<MessageOutcome> outcomes = harness.run(*worker);
  ASSERT_EQ(outcomes.size(), 1U);
  ASSERT_FALSE(harness.sink->alerts().empty());
  EXPECT_TRUE(harness.done.take().empty());  // acknowledged at once, but not applied yet
  outcomes[0].effects->settle();
  EXPECT_EQ(harness.done.take().size(), 1U);
}

TEST(PartitionWorker, WithoutARouterTheAlertsGoBackInTheOutcome) {  // a finite input routes in input order
  Harness harness(false);
  auto worker = harness.worker();
  std::vector<MessageOutcome> outcomes = harness.run(*worker);
  ASSERT_EQ(outcomes.size(), 1U);
  EXPECT_FALSE(outcomes[0].alerts.empty());
  EXPECT_TRUE(harness.sink->alerts().empty());
}

// `top -H`, `perf report --sort comm` and gdb tell the workers apart by name.
TEST(PartitionWorker, ItsThreadIsNamedAfterItsNumber) {
  Harness harness(true);
  auto worker = harness.worker(3);
  const auto names = [] {
    std::set<std::string> found;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      std::ifstream comm(task.path() / "comm");
      std::string name;
      std::getline(comm, name);
      found.insert(name);
    }
    return found;
  };
  EXPECT_TRUE(testing::waitUntil([&] { return names().contains("as-worker-3"); }, std::chrono::seconds(10)));
}

}  // namespace
}  // namespace auditstream
