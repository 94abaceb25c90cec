#include "consumer/cluster_resolver.h"

#include <gtest/gtest.h>

namespace auditstream {
namespace {

TEST(ClusterResolver, SourcesAreTriedInTheConfiguredOrder) {
  ClusterIdentity identity;
  identity.byTopic = {{"legacy-audit", "legacy-1"}};
  ClusterResolver resolver(identity);  // default order: header, topic, static
  EXPECT_EQ(resolver.resolve("audit.prod-eu", "from-header").cluster, "from-header");
  EXPECT_EQ(resolver.resolve("audit.prod-eu", std::nullopt).cluster, "prod-eu");
  EXPECT_EQ(resolver.resolve("audit.prod-eu", "").cluster, "prod-eu");  // an empty header names nothing
  EXPECT_EQ(resolver.resolve("legacy-audit", std::nullopt).cluster, "legacy-1");
  EXPECT_EQ(resolver.resolve("other", std::nullopt).cluster, "default");
  EXPECT_FALSE(resolver.resolve("other", std::nullopt).eventFieldFirst);
}

TEST(ClusterResolver, AFieldSourceDefersToTheEventOnlyWhereItStands) {
  ClusterIdentity identity;
  identity.order = {ClusterSource::kHeader, ClusterSource::kField, ClusterSource::kTopic};
  identity.field = "cluster";
  ClusterResolver resolver(identity);
  const ClusterResolver::Choice byHeader = resolver.resolve("audit.a", "h");
  EXPECT_EQ(byHeader.cluster, "h");
  EXPECT_FALSE(byHeader.eventFieldFirst);  // the header comes before the field: it wins
  const ClusterResolver::Choice byTopic = resolver.resolve("audit.a", std::nullopt);
  EXPECT_EQ(byTopic.cluster, "a");  // the fallback when an event has no such field
  EXPECT_TRUE(byTopic.eventFieldFirst);
}

TEST(ClusterResolver, ATopicPatternWithoutAMatchFallsThrough) {
  ClusterIdentity identity;
  identity.order = {ClusterSource::kTopic};
  identity.topicPattern = "^k8s-(.+)-audit$";
  identity.fallback = "unknown";
  ClusterResolver resolver(identity);
  EXPECT_EQ(resolver.resolve("k8s-us-2-audit", std::nullopt).cluster, "us-2");
  EXPECT_EQ(resolver.resolve("audit.us-2", std::nullopt).cluster, "unknown");
  EXPECT_EQ(resolver.resolve("k8s-us-2-audit", std::nullopt).cluster, "us-2");  // cached
}

}  // namespace
}  // namespace auditstream
