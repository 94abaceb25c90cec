#include "consumer/http_endpoint.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <utility>

#include "common/thread_name.h"

namespace auditstream {
namespace {

constexpr std::size_t kMaxRequestBytes = 8192;
constexpr int kRequestDeadlineMs = 2000;

class Socket {
 public:
  explicit Socket(int fd = -1) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Socket& operator=(Socket&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

const char* reasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

// Reads until the end of the headers, the size limit or the deadline; empty on any failure.
std::string readRequest(int fd) {
  std::string request;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kRequestDeadlineMs);
  char buffer[2048];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < kMaxRequestBytes) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return {};
    pollfd readable{fd, POLLIN, 0};
    if (::poll(&readable, 1, static_cast<int>(left)) <= 0) return {};
    const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) return {};
    request.append(buffer, static_cast<std::size_t>(got));
  }
  return request;
}

void writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent <= 0) return;
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
}

}  // namespace

struct HttpEndpoint::State {
  Socket listener;
  int port = 0;
  Handler handler;
  std::atomic<bool> stopping{false};
  std::thread thread;

  void serve() {
    while (!stopping.load()) {
      pollfd acceptable{listener.fd(), POLLIN, 0};
      if (::poll(&acceptable, 1, 200) <= 0) continue;
      Socket connection(::accept(listener.fd(), nullptr, nullptr));
      if (connection.fd() < 0) continue;
      answer(connection.fd());
    }
  }

  void answer(int fd) {
    const std::string request = readRequest(fd);
    EndpointResponse response;
    const std::size_t lineEnd = request.find("\r\n");
    const std::string_view line = std::string_view(request).substr(0, lineEnd);
    const std::size_t firstSpace = line.find(' ');
    const std::size_t secondSpace = line.find(' ', firstSpace + 1);
    if (request.empty() || lineEnd == std::string::npos || firstSpace == std::string_view::npos ||
        secondSpace == std::string_view::npos) {
      response = {400, "text/plain; charset=utf-8", "bad request\n"};
    } else if (line.substr(0, firstSpace) != "GET") {
      response = {405, "text/plain; charset=utf-8", "only GET\n"};
    } else {
      std::string_view path = line.substr(firstSpace + 1, secondSpace - firstSpace - 1);
      path = path.substr(0, path.find('?'));
      response = handler(path);
    }
    std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + reasonPhrase(response.status) +
                      "\r\nContent-Type: " + response.contentType +
                      "\r\nContent-Length: " + std::to_string(response.body.size()) + "\r\nConnection: close\r\n\r\n";
    out += response.body;
    writeAll(fd, out);
  }
};

Result<std::unique_ptr<HttpEndpoint>> HttpEndpoint::start(const std::string& address, Handler handler) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos) return invalidArgument("address " + address + " must be host:port");
  const std::string host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (const int error = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found)) {
    return unavailable("address " + address + ": " + ::gai_strerror(error));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
  auto state = std::make_unique<State>();
  state->handler = std::move(handler);
  std::string lastError = "no address";
  for (const addrinfo* candidate = found; candidate != nullptr; candidate = candidate->ai_next) {
    Socket listener(::socket(candidate->ai_family, candidate->ai_socktype | SOCK_CLOEXEC, candidate->ai_protocol));
    if (listener.fd() < 0) continue;
    const int yes = 1;
    ::setsockopt(listener.fd(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(listener.fd(), candidate->ai_addr, candidate->ai_addrlen) != 0 || ::listen(listener.fd(), 64) != 0) {
      lastError = std::strerror(errno);
      continue;
    }
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    ::getsockname(listener.fd(), reinterpret_cast<sockaddr*>(&bound), &length);  // NOLINT: sockets API
    state->port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port  // NOLINT
                                                    : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);  // NOLINT
    state->listener = std::move(listener);
    break;
  }
  if (state->listener.fd() < 0) return unavailable("address " + address + ": " + lastError);
  State* raw = state.get();
  state->thread = std::thread([raw] {
    nameThisThread("as-http");
    raw->serve();
  });
  return std::unique_ptr<HttpEndpoint>(new HttpEndpoint(std::move(state)));
}

HttpEndpoint::HttpEndpoint(std::unique_ptr<State> state) : state_(std::move(state)) {}

HttpEndpoint::~HttpEndpoint() {
  state_->stopping = true;
  if (state_->thread.joinable()) state_->thread.join();
}

int HttpEndpoint::port() const { return state_->port; }

}  // namespace auditstream
