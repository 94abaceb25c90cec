#include "ingest/client_directory.h"

#include <fstream>
#include <set>
#include <sstream>

namespace auditstream {
namespace {

constexpr std::string_view kBearer = "Bearer ";

// Equal in time that depends on the lengths only, not on where the first difference is.
bool sameSecret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  return difference == 0;
}

std::string_view trimmed(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

Result<ClientDirectory> ClientDirectory::load(const std::vector<IngestClient>& clients) {
  std::vector<Entry> entries;
  std::set<std::string> tokens;
  for (const IngestClient& client : clients) {
    Entry entry{client.cluster, "", client.certificateCn};
    if (!client.tokenFile.empty()) {
      std::ifstream in(client.tokenFile, std::ios::binary);
      if (!in) return ioError("cannot read the token file " + client.tokenFile + " of cluster " + client.cluster);
      std::ostringstream text;
      text << in.rdbuf();
      entry.token = std::string(trimmed(text.str()));
      if (entry.token.empty()) return ioError("the token file " + client.tokenFile + " is empty");
      if (!tokens.insert(entry.token).second) {
        return invalidArgument("the token file " + client.tokenFile + " holds a token another client has");
      }
    }
    entries.push_back(std::move(entry));
  }
  return ClientDirectory(std::move(entries));
}

ClientDirectory::Verdict ClientDirectory::identify(std::string_view authorization,
                                                   std::string_view certificateCn) const {
  if (!authorization.empty()) {
    if (!authorization.starts_with(kBearer)) {
      return {Outcome::kUnauthenticated, {}, "the Authorization header is not a bearer token"};
    }
    const std::string_view token = trimmed(authorization.substr(kBearer.size()));
    const Entry* found = nullptr;
    for (const Entry& entry : entries_) {  // every entry, so the time does not say which one matched
      if (!entry.token.empty() && sameSecret(entry.token, token)) found = &entry;
    }
    if (found == nullptr) return {Outcome::kUnauthenticated, {}, "unknown bearer token"};
    return {Outcome::kAccepted, found->cluster, {}};
  }
  if (!certificateCn.empty()) {
    for (const Entry& entry : entries_) {
      if (!entry.certificateCn.empty() && entry.certificateCn == certificateCn) {
        return {Outcome::kAccepted, entry.cluster, {}};
      }
    }
    return {Outcome::kForbidden, {}, "the client certificate's CN is not a configured client"};
  }
  return {Outcome::kUnauthenticated, {}, "no bearer token and no client certificate"};
}

std::vector<std::string> ClientDirectory::clusters() const {
  std::set<std::string> unique;
  for (const Entry& entry : entries_) unique.insert(entry.cluster);
  return {unique.begin(), unique.end()};
}

}  // namespace auditstream
