// WebhookServer: the HTTPS server the apiservers' audit webhook backends post to — civetweb (Debian's,
// the one prometheus-cpp links) over OpenSSL; TLS and HTTP parsing are theirs. TLS 1.2 or newer, the
// server certificate (chain) and key from PEM files; with a client CA, clients may present a
// certificate, which must then verify against it (its subject CN is handed to the handler). Bodies past
// `maxBodyBytes` are answered 413 without being read whole; keep-alive on (the apiserver reuses its
// connections). `threads` requests are served at once, each on one of civetweb's threads.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/log.h"
#include "common/result.h"
#include "ingest/webhook_request.h"

namespace auditstream {

struct WebhookServerOptions {
  std::string address;  // host:port (port 0: any free port, see port())
  std::string certificateFile;
  std::string keyFile;
  std::string clientCaFile;  // empty: no client certificates
  unsigned threads = 8;
  std::size_t maxBodyBytes = 64U << 20U;
};

class WebhookServer {
 public:
  using Handler = std::function<WebhookResponse(const WebhookRequest&)>;

  // Errors: invalidArgument (a certificate, key or CA file OpenSSL refuses, with its reason),
  // unavailable (cannot listen on the address).
  static Result<std::unique_ptr<WebhookServer>> start(const WebhookServerOptions& options, Handler handler, Logger log);
  ~WebhookServer();  // stops serving; waits for requests being answered
  WebhookServer(const WebhookServer&) = delete;
  WebhookServer& operator=(const WebhookServer&) = delete;

  int port() const { return port_; }

  struct State;

 private:
  explicit WebhookServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
  int port_ = 0;
};

}  // namespace auditstream
