// WebhookServer: the HTTPS server the apiservers' audit webhook backends post to — Boost.Beast over
// Boost.Asio's OpenSSL streams; TLS and HTTP parsing are theirs. (Not Debian 12's civetweb: its 1.15
// looks up SSL_get_peer_certificate in libssl at run time, which OpenSSL 3 no longer exports, and
// calls the null pointer on every TLS connection.) TLS 1.2 or newer, the server certificate (chain)
// and key from PEM files; with a client CA, clients may present a certificate, which must then verify
// against it (its subject CN is handed to the handler). Bodies past `maxBodyBytes` are answered 413
// from their Content-Length, without being read; keep-alive on (the apiserver reuses its connections);
// idle or slow connections are closed after 60 s. `threads` threads serve; a request's handler runs on
// one of them, so that many requests are answered at once.
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
  ~WebhookServer();  // stops accepting and serving; waits for handlers running to return
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
