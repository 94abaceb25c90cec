#include "tests/support/loopback_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace auditstream::testing {
namespace {

bool sendAll(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

std::string lowerCase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t");
  const auto end = text.find_last_not_of(" \t\r");
  return begin == std::string::npos ? std::string() : text.substr(begin, end - begin + 1);
}

const char* reasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

}  // namespace

Result<std::unique_ptr<LoopbackHttpServer>> LoopbackHttpServer::start(Handler handler) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errnoError("socket", errno);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, 16) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int error = errno;
    ::close(fd);
    return errnoError("loopback listen", error);
  }
  return std::unique_ptr<LoopbackHttpServer>(new LoopbackHttpServer(fd, ntohs(address.sin_port), std::move(handler)));
}

LoopbackHttpServer::LoopbackHttpServer(int listenFd, std::uint16_t port, Handler handler)
    : listenFd_(listenFd), port_(port), handler_(std::move(handler)), thread_([this] { serve(); }) {}

LoopbackHttpServer::~LoopbackHttpServer() {
  stopping_ = true;
  thread_.join();
  ::close(listenFd_);
}

std::vector<LoopbackHttpServer::Request> LoopbackHttpServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

void LoopbackHttpServer::serve() {
  while (!stopping_) {
    pollfd waiting{listenFd_, POLLIN, 0};
    if (::poll(&waiting, 1, 20) <= 0) continue;
    const int connection = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (connection < 0) continue;
    handleConnection(connection);
    ::close(connection);
  }
}

void LoopbackHttpServer::handleConnection(int fd) {
  std::string data;
  char buffer[4096];
  std::size_t headerEnd = std::string::npos;
  std::size_t contentLength = 0;
  Request request;
  // Read the head, then exactly Content-Length body bytes; give up on a silent peer after 5 s.
  while (true) {
    pollfd readable{fd, POLLIN, 0};
    if (::poll(&readable, 1, 5000) <= 0) return;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return;
    data.append(buffer, static_cast<std::size_t>(n));
    if (headerEnd == std::string::npos) {
      headerEnd = data.find("\r\n\r\n");
      if (headerEnd == std::string::npos) continue;
      std::size_t lineStart = data.find("\r\n") + 2;
      const std::string requestLine = data.substr(0, lineStart - 2);
      const auto firstSpace = requestLine.find(' ');
      const auto secondSpace = requestLine.find(' ', firstSpace + 1);
      request.method = requestLine.substr(0, firstSpace);
      request.path = requestLine.substr(firstSpace + 1, secondSpace - firstSpace - 1);
      while (lineStart < headerEnd) {
        const std::size_t lineEnd = data.find("\r\n", lineStart);
        const std::string line = data.substr(lineStart, lineEnd - lineStart);
        const auto colon = line.find(':');
        if (colon != std::string::npos)
          request.headers[lowerCase(line.substr(0, colon))] = trim(line.substr(colon + 1));
        lineStart = lineEnd + 2;
      }
      if (const auto it = request.headers.find("content-length"); it != request.headers.end()) {
        contentLength = std::stoul(it->second);
      }
    }
    if (data.size() >= headerEnd + 4 + contentLength) break;
  }
  request.body = data.substr(headerEnd + 4, contentLength);
  const Reply reply = handler_(request);
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
  }
  std::string response = "HTTP/1.1 " + std::to_string(reply.status) + " " + reasonPhrase(reply.status) + "\r\n";
  response += "Content-Type: " + reply.contentType + "\r\nContent-Length: " + std::to_string(reply.body.size()) +
              "\r\nConnection: close\r\n\r\n" + reply.body;
  sendAll(fd, response);
}

}  // namespace auditstream::testing
