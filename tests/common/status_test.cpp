#include "common/status.h"

#include <cerrno>
#include <gtest/gtest.h>

namespace auditstream {
namespace {

Status failsWith(Status inner) {
  RETURN_IF_ERROR(std::move(inner).withContext("loading rules"));
  return invalidArgument("not reached when inner fails");
}

TEST(Status, DefaultIsOk) {
  const Status status;
  EXPECT_TRUE(status.isOk());
  EXPECT_EQ(status.code(), StatusCode::kOk);
  EXPECT_EQ(status.toString(), "ok");
}

TEST(Status, ContextIsPrefixedOuterFirst) {
  const Status status =
      parseError("rules/x.yml:3:5: unknown modifier 'foo'").withContext("reload").withContext("SIGHUP");
  EXPECT_EQ(status.code(), StatusCode::kParseError);
  EXPECT_EQ(status.message(), "SIGHUP: reload: rules/x.yml:3:5: unknown modifier 'foo'");
  EXPECT_EQ(status.toString(), "parse_error: SIGHUP: reload: rules/x.yml:3:5: unknown modifier 'foo'");
}

TEST(Status, ContextOnOkStaysOk) { EXPECT_TRUE(Status::ok().withContext("ignored").isOk()); }

TEST(Status, ReturnIfErrorPropagatesWithContext) {
  const Status status = failsWith(notFound("rules/"));
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "loading rules: rules/");
}

TEST(Status, ReturnIfErrorContinuesOnOk) {
  EXPECT_EQ(failsWith(Status::ok()).message(), "not reached when inner fails");
}

TEST(Status, ErrnoErrorNamesTheCause) {
  const Status status = errnoError("cannot open /nope", ENOENT);
  EXPECT_EQ(status.code(), StatusCode::kIoError);
  EXPECT_EQ(status.message(), "cannot open /nope: No such file or directory");
}

}  // namespace
}  // namespace auditstream
