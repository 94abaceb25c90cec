// LoopbackHttpServer: a tiny HTTP/1.1 server on 127.0.0.1 for tests of HTTP clients and sinks. Each
// request is answered by a handler the test supplies (so it can fail, stall or flap on purpose) and
// recorded. One connection at a time, `Connection: close` on every reply; not for production use.
// Thread-safety: the server runs its own thread; requests() and the handler's captured state must be
// synchronised by the test (requests() is).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"

namespace auditstream::testing {

class LoopbackHttpServer {
 public:
  struct Request {
    std::string method;
    std::string path;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
  };
  struct Reply {
    int status = 200;
    std::string body;
    std::string contentType = "application/json";
  };
  using Handler = std::function<Reply(const Request&)>;

  static Result<std::unique_ptr<LoopbackHttpServer>> start(Handler handler);
  ~LoopbackHttpServer();
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<Request> requests() const;

 private:
  LoopbackHttpServer(int listenFd, std::uint16_t port, Handler handler);
  void serve();
  void handleConnection(int fd);

  int listenFd_;
  std::uint16_t port_;
  Handler handler_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<Request> requests_;
  std::thread thread_;  // last: started after every other member exists, joined first
};

}  // namespace auditstream::testing
