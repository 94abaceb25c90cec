#include "ingest/webhook_server.h"

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/x509.h>
#include <optional>
#include <thread>
#include <vector>

namespace auditstream {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Tcp = asio::ip::tcp;

constexpr auto kHandshakeBound = std::chrono::seconds(10);
constexpr auto kIdleBound = std::chrono::seconds(60);  // a request's arrival, whole, on a kept-alive connection
constexpr auto kWriteBound = std::chrono::seconds(30);
constexpr std::uint32_t kHeaderLimit = 16 * 1024;

// The subject CN of the certificate the client presented (TLS verified it against the client CA).
std::string clientCn(SSL* ssl) {
  X509* certificate = SSL_get1_peer_certificate(ssl);
  if (certificate == nullptr) return {};
  char name[256] = {};
  const int length = X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, name, sizeof name);
  X509_free(certificate);
  return length > 0 ? std::string(name, static_cast<std::size_t>(length)) : std::string();
}

std::string jsonMessage(int status, const std::string& message) {
  return "{\"code\":" + std::to_string(status) + ",\"message\":\"" + message + "\"}\n";
}

}  // namespace

struct WebhookServer::State {
  WebhookServerOptions options;
  Handler handler;
  Logger log;
  asio::io_context io;
  asio::ssl::context tls{asio::ssl::context::tls_server};
  Tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;

  explicit State(unsigned concurrency) : io(static_cast<int>(concurrency)) {}

  void accept();
};

namespace {

// One TLS connection: handshake, then requests in turn until the client closes it, a timeout, or a 413.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Tcp::socket socket, WebhookServer::State& server) : server_(server), stream_(std::move(socket), server.tls) {}

  void start() {
    beast::get_lowest_layer(stream_).expires_after(kHandshakeBound);
    stream_.async_handshake(asio::ssl::stream_base::server,
                            [self = shared_from_this()](beast::error_code error) { self->handshaken(error); });
  }

 private:
  void handshaken(beast::error_code error) {
    if (error) {
      // A client certificate that does not verify, a scanner, a plain-HTTP client: not the server's problem.
      server_.log.debug("TLS handshake failed", {{"reason", error.message()}});
      return;
    }
    clientCn_ = clientCn(stream_.native_handle());
    read();
  }

  void read() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(server_.options.maxBodyBytes);
    beast::get_lowest_layer(stream_).expires_after(kIdleBound);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code error, std::size_t) { self->received(error); });
  }

  void received(beast::error_code error) {
    if (error == http::error::body_limit) {
      respond(413,
              jsonMessage(
                  413, "the body is larger than max_body_bytes (" + std::to_string(server_.options.maxBodyBytes) + ")"),
              0, false);
      return;
    }
    if (error) {
      if (error != http::error::end_of_stream && error != asio::ssl::error::stream_truncated) {
        server_.log.debug("request not read", {{"reason", error.message()}});
      }
      close();
      return;
    }
    const http::request<http::string_body>& request = parser_->get();
    const std::string_view target(request.target().data(), request.target().size());
    const std::string_view method(request.method_string().data(), request.method_string().size());
    const auto authorization = request.find(http::field::authorization);
    WebhookRequest incoming{method, target.substr(0, target.find('?')),
                            authorization != request.end()
                                ? std::string_view(authorization->value().data(), authorization->value().size())
                                : std::string_view(),
                            clientCn_, request.body()};
    const WebhookResponse response = server_.handler(incoming);
    respond(response.status, response.body, response.retryAfterSeconds, request.keep_alive());
  }

  void respond(int status, std::string body, int retryAfterSeconds, bool keepAlive) {
    response_.emplace(static_cast<http::status>(status), 11);
    response_->set(http::field::content_type, "application/json");
    if (retryAfterSeconds > 0) response_->set(http::field::retry_after, std::to_string(retryAfterSeconds));
    response_->keep_alive(keepAlive);
    response_->body() = std::move(body);
    response_->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(kWriteBound);
    http::async_write(stream_, *response_,
                      [self = shared_from_this(), keepAlive](beast::error_code error, std::size_t) {
                        if (error || !keepAlive) {
                          self->close();
                          return;
                        }
                        self->read();
                      });
  }

  void close() {
    beast::get_lowest_layer(stream_).expires_after(kHandshakeBound);
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {
      beast::error_code ignored;
      beast::get_lowest_layer(self->stream_).socket().close(ignored);
    });
  }

  WebhookServer::State& server_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  std::string clientCn_;
};

}  // namespace

void WebhookServer::State::accept() {
  acceptor.async_accept(asio::make_strand(io), [this](beast::error_code error, Tcp::socket socket) {
    if (error == asio::error::operation_aborted) return;  // stopping
    if (!error) std::make_shared<Session>(std::move(socket), *this)->start();
    accept();
  });
}

WebhookServer::WebhookServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

WebhookServer::~WebhookServer() {
  // The threads return once the handler each is running (if any) has returned; connections still open
  // are closed with the io_context. An answer not written is a batch the apiserver sends again.
  state_->io.stop();
  for (std::thread& thread : state_->threads) thread.join();
  beast::error_code ignored;
  state_->acceptor.close(ignored);
}

Result<std::unique_ptr<WebhookServer>> WebhookServer::start(const WebhookServerOptions& options, Handler handler,
                                                            Logger log) {
  auto state = std::make_unique<State>(options.threads);
  state->options = options;
  state->handler = std::move(handler);
  state->log = std::move(log);

  asio::ssl::context& tls = state->tls;
  tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                  asio::ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
  beast::error_code error;
  tls.use_certificate_chain_file(options.certificateFile, error);
  if (error) return invalidArgument("TLS: the certificate " + options.certificateFile + ": " + error.message());
  tls.use_private_key_file(options.keyFile, asio::ssl::context::pem, error);
  if (error) return invalidArgument("TLS: the key " + options.keyFile + ": " + error.message());
  if (!options.clientCaFile.empty()) {
    tls.load_verify_file(options.clientCaFile, error);
    if (error) return invalidArgument("TLS: the client CA " + options.clientCaFile + ": " + error.message());
    // A client may come with a bearer token instead: a certificate is verified when sent, not required.
    tls.set_verify_mode(asio::ssl::verify_peer, error);
    SSL_CTX_set_client_CA_list(tls.native_handle(), SSL_load_client_CA_file(options.clientCaFile.c_str()));
  }

  const std::size_t colon = options.address.rfind(':');
  if (colon == std::string::npos) return invalidArgument("ingest.address (" + options.address + ") must be host:port");
  std::string host = options.address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const asio::ip::address address = asio::ip::make_address(host, error);
  if (error) return invalidArgument("ingest.address (" + options.address + "): " + error.message());
  unsigned long port = 0;
  try {
    port = std::stoul(options.address.substr(colon + 1));
  } catch (const std::exception&) {
    port = 65536;
  }
  if (port > 65535) return invalidArgument("ingest.address (" + options.address + ") must end in a port number");
  const Tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  Tcp::acceptor& acceptor = state->acceptor;
  acceptor.open(endpoint.protocol(), error);
  if (!error) acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) return unavailable("cannot serve HTTPS on " + options.address + ": " + error.message());

  auto server = std::unique_ptr<WebhookServer>(new WebhookServer(std::move(state)));
  server->port_ = server->state_->acceptor.local_endpoint().port();
  server->state_->accept();
  for (unsigned i = 0; i < options.threads; ++i) {
    server->state_->threads.emplace_back([state = server->state_.get()] { state->io.run(); });
  }
  return server;
}

}  // namespace auditstream
