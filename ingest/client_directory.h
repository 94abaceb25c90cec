// ClientDirectory: who may post audit events, and which cluster they are. A bearer token (read from the
// client's token file at start-up) or the subject CN of a client certificate that TLS verified against
// `tls.client_ca` names exactly one cluster. Tokens are compared in constant time. Immutable; shared by
// the server's threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/ingest_config.h"

namespace auditstream {

class ClientDirectory {
 public:
  // Errors: ioError naming a token file that cannot be read or is empty; invalidArgument when two
  // clients share a token.
  static Result<ClientDirectory> load(const std::vector<IngestClient>& clients);

  enum class Outcome { kAccepted, kUnauthenticated, kForbidden };
  struct Verdict {
    Outcome outcome = Outcome::kUnauthenticated;
    std::string_view cluster;  // kAccepted: the caller's cluster
    std::string_view reason;   // otherwise: why, for the response and the log
  };
  // A bearer token, when sent, decides (a wrong one is 401 even with a good certificate); else the
  // certificate's CN: known → accepted, unknown → 403; neither → 401.
  Verdict identify(std::string_view authorization, std::string_view certificateCn) const;

  // Every cluster a client may post for.
  std::vector<std::string> clusters() const;

 private:
  struct Entry {
    std::string cluster;
    std::string token;  // empty for certificate clients
    std::string certificateCn;
  };
  explicit ClientDirectory(std::vector<Entry> entries) : entries_(std::move(entries)) {}
  std::vector<Entry> entries_;
};

}  // namespace auditstream
