// WebhookRequest / WebhookResponse: one HTTP request to the audit webhook endpoint as the handler sees
// it, after TLS and HTTP (civetweb, webhook_server.h) — and the answer it gives. Plain data.
#pragma once

#include <string>
#include <string_view>

namespace auditstream {

struct WebhookRequest {
  std::string_view method;
  std::string_view path;
  std::string_view authorization;        // the Authorization header; empty when absent
  std::string_view clientCertificateCn;  // subject CN of the client's certificate (verified by TLS); or empty
  std::string_view body;
};

struct WebhookResponse {
  int status = 200;
  std::string body;           // JSON: {"status": ..., "message": ...}
  int retryAfterSeconds = 0;  // 503: the Retry-After header
};

}  // namespace auditstream
