#include "engine/event_processor.h"

#include <gtest/gtest.h>

namespace auditstream {
namespace {

std::shared_ptr<const RuleSet> execRule() {
  RuleSpec spec;
  spec.meta.id = "exec";
  spec.meta.title = "exec";
  spec.meta.level = "high";
  ValueSpec exec;
  exec.pattern = {{PatternPiece::Kind::kLiteral, "exec"}};
  FieldMatchSpec subresource;
  subresource.field = "objectRef.subresource";
  subresource.values = {exec};
  spec.detection.selections.push_back({"selection", {{subresource}}, {}});
  spec.detection.conditions = {"selection"};
  spec.detection.conditionWhere = {"rules.yml", 3, 16};
  std::vector<RuleSpec> specs;
  specs.push_back(std::move(spec));
  auto build = RuleSet::create(std::move(specs));
  EXPECT_TRUE(build.problems.empty());
  return build.rules;
}

std::string execEvent(std::string_view extra) {
  return R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a1","stage":"ResponseComplete",)"
         R"("verb":"create","user":{"username":"u"},"objectRef":{"resource":"pods","subresource":"exec"},)"
         R"("stageTimestamp":"2026-01-01T00:00:00Z")" +
         std::string(extra) + "}";
}

// cluster.from: [field, ...]: a shipper that merges a cluster field into every event names the cluster
// per event; events without it keep the message's cluster.
TEST(EventProcessor, AnEventFieldNamesTheClusterWhenPresent) {
  auto processor = EventProcessor::create(execRule(), EnvelopeOptions{}).value();
  const FieldPath path = parseFieldPath("kubernetes.cluster").value();
  MessageContext context{"from-topic", std::nullopt, std::nullopt, 0};
  context.clusterField = &path;
  std::vector<Alert> alerts;
  const auto processInto = [&](const std::string& event) {
    ProcessResult result = processor->process(event, context);
    EXPECT_TRUE(result.rejections.empty());
    for (Alert& alert : result.alerts) alerts.push_back(std::move(alert));
  };
  processInto(execEvent(R"(,"kubernetes":{"cluster":"eu-1"})"));
  processInto(execEvent(""));
  context.clusterField = nullptr;
  processInto(execEvent(R"(,"kubernetes":{"cluster":"eu-1"})"));
  ASSERT_EQ(alerts.size(), 3U);
  EXPECT_EQ(alerts[0].cluster, "eu-1");
  EXPECT_EQ(alerts[1].cluster, "from-topic");
  EXPECT_EQ(alerts[2].cluster, "from-topic");
  EXPECT_NE(alerts[0].id, alerts[2].id);  // the cluster is part of the alert's identity
}

}  // namespace
}  // namespace auditstream
