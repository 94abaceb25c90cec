#include "ingest/client_directory.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

namespace auditstream {
namespace {

namespace fs = std::filesystem;

class ClientDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("client-directory-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string tokenFile(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }
  fs::path dir_;
};

TEST_F(ClientDirectoryTest, ATokenOrACertificateNamesItsCluster) {
  const Result<ClientDirectory> clients =
      ClientDirectory::load({{"prod-1", tokenFile("a", "token-a\n"), ""}, {"prod-2", "", "apiserver-prod-2"}});
  ASSERT_TRUE(clients) << clients.status();
  ClientDirectory::Verdict verdict = clients->identify("Bearer token-a", "");
  EXPECT_EQ(verdict.outcome, ClientDirectory::Outcome::kAccepted);
  EXPECT_EQ(verdict.cluster, "prod-1");
  verdict = clients->identify("", "apiserver-prod-2");
  EXPECT_EQ(verdict.outcome, ClientDirectory::Outcome::kAccepted);
  EXPECT_EQ(verdict.cluster, "prod-2");
  EXPECT_EQ(clients->clusters(), (std::vector<std::string>{"prod-1", "prod-2"}));
}

TEST_F(ClientDirectoryTest, WrongOrMissingCredentialsAreRefused) {
  const Result<ClientDirectory> clients =
      ClientDirectory::load({{"prod-1", tokenFile("a", "token-a"), ""}, {"prod-2", "", "apiserver-prod-2"}});
  ASSERT_TRUE(clients) << clients.status();
  EXPECT_EQ(clients->identify("Bearer token-b", "").outcome, ClientDirectory::Outcome::kUnauthenticated);
  EXPECT_EQ(clients->identify("Bearer token-a-longer", "").outcome, ClientDirectory::Outcome::kUnauthenticated);
  EXPECT_EQ(clients->identify("Basic dG9rZW4tYQ==", "").outcome, ClientDirectory::Outcome::kUnauthenticated);
  EXPECT_EQ(clients->identify("", "").outcome, ClientDirectory::Outcome::kUnauthenticated);
  // A wrong token decides even next to a good certificate: the caller meant the token.
  EXPECT_EQ(clients->identify("Bearer nope", "apiserver-prod-2").outcome, ClientDirectory::Outcome::kUnauthenticated);
  // A certificate the CA signed, for a name that is no client's: known, not allowed.
  EXPECT_EQ(clients->identify("", "someone-else").outcome, ClientDirectory::Outcome::kForbidden);
}

TEST_F(ClientDirectoryTest, UnreadableEmptyOrSharedTokensFailTheLoad) {
  Result<ClientDirectory> clients = ClientDirectory::load({{"prod-1", (dir_ / "missing").string(), ""}});
  ASSERT_FALSE(clients);
  EXPECT_NE(clients.status().message().find("cannot read the token file"), std::string::npos) << clients.status();
  clients = ClientDirectory::load({{"prod-1", tokenFile("empty", " \n"), ""}});
  ASSERT_FALSE(clients);
  EXPECT_NE(clients.status().message().find("is empty"), std::string::npos) << clients.status();
  clients = ClientDirectory::load({{"prod-1", tokenFile("x", "same"), ""}, {"prod-2", tokenFile("y", "same\n"), ""}});
  ASSERT_FALSE(clients);
  EXPECT_NE(clients.status().message().find("another client has"), std::string::npos) << clients.status();
}

}  // namespace
}  // namespace auditstream
