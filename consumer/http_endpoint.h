// HttpEndpoint: the service's small HTTP/1.1 server for /metrics, /healthz and /readyz (GET only, one
// request per connection, Connection: close). prometheus-cpp's Exposer cannot answer 503, which a
// readiness probe needs, so the service serves its registry's text itself. Requests are read with a
// 2 s deadline and at most 8 KiB of headers; anything else gets 400/404/405. Loopback by default.
//
// One thread accepts and answers; the handler runs on it (it must be thread-safe with the rest of the
// service). Stopped and joined by the destructor.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace auditstream {

struct EndpointResponse {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
};

class HttpEndpoint {
 public:
  using Handler = std::function<EndpointResponse(std::string_view path)>;

  // `address` is host:port (port 0: any free port, see port()). Errors: unavailable when it cannot bind.
  static Result<std::unique_ptr<HttpEndpoint>> start(const std::string& address, Handler handler);
  ~HttpEndpoint();
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  int port() const;

  struct State;

 private:
  explicit HttpEndpoint(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace auditstream
