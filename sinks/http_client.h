// HttpClient: blocking HTTP/1.1 requests over libcurl, for the Alertmanager sink's sender thread and
// for tests that talk to real servers. One easy handle per client, reused between requests, so
// keep-alive connections survive across batches.
//
// Owned by one thread at a time (libcurl easy handles are not thread-safe); create one per thread.
// Transport failures are Status values: unavailable (connect/reset/DNS), deadlineExceeded (timeout).
// An HTTP error status (4xx/5xx) is a successful exchange: the caller decides what it means.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

using CURL = void;  // libcurl's handle type, without including curl.h here

namespace auditstream {

// TLS settings for https:// URLs (defaults: the system CA store, peer and host verified).
struct TlsOptions {
  std::string caFile;    // PEM bundle to trust instead of the system store
  std::string certFile;  // client certificate (mutual TLS)
  std::string keyFile;   // its private key
  bool insecureSkipVerify = false;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::string body;
  std::vector<std::string> headers;  // "Name: value"
  std::chrono::milliseconds timeout{5000};
  const TlsOptions* tls = nullptr;
};

struct HttpResponse {
  long status = 0;
  std::string body;
};

class HttpClient {
 public:
  static Result<HttpClient> create();

  HttpClient(HttpClient&&) noexcept = default;
  HttpClient& operator=(HttpClient&&) noexcept = default;

  Result<HttpResponse> send(const HttpRequest& request);

 private:
  struct CurlEasyDeleter {
    void operator()(CURL* handle) const;
  };
  using CurlEasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;

  explicit HttpClient(CurlEasyPtr handle) : handle_(std::move(handle)) {}

  CurlEasyPtr handle_;
};

}  // namespace auditstream
