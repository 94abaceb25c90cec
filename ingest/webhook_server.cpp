#include "ingest/webhook_server.h"

#include <civetweb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <mutex>
#include <openssl/x509.h>
#include <string>
#include <vector>

namespace auditstream {
namespace {

constexpr std::size_t kReadChunk = 64 * 1024;

const char* reasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
  }
}

std::string opensslErrors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    text += (text.empty() ? "" : "; ") + std::string(buffer);
  }
  return text.empty() ? "no detail from OpenSSL" : text;
}

// The subject CN of the client's certificate, when it sent one (TLS verified it against the client CA).
std::string clientCn(const mg_request_info* info) {
  if (info->client_cert == nullptr || info->client_cert->peer_cert == nullptr) return {};
  auto* certificate = static_cast<X509*>(info->client_cert->peer_cert);
  char name[256] = {};
  const int length = X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, name, sizeof name);
  return length > 0 ? std::string(name, static_cast<std::size_t>(length)) : std::string();
}

void reply(mg_connection* connection, const WebhookResponse& response) {
  std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " + reasonPhrase(response.status) +
                     "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(response.body.size()) +
                     "\r\n";
  if (response.retryAfterSeconds > 0) head += "Retry-After: " + std::to_string(response.retryAfterSeconds) + "\r\n";
  // A body left unread (413) would be taken for the next request: the connection ends with this answer.
  if (response.status == 413) head += "Connection: close\r\n";
  head += "\r\n";
  mg_write(connection, head.data(), head.size());
  mg_write(connection, response.body.data(), response.body.size());
}

}  // namespace

struct WebhookServer::State {
  WebhookServerOptions options;
  Handler handler;
  Logger log;
  std::string tlsError;  // set by the TLS set-up callback
  mg_context* context = nullptr;

  int serve(mg_connection* connection) {
    const mg_request_info* info = mg_get_request_info(connection);
    const char* authorization = mg_get_header(connection, "Authorization");
    const std::string cn = clientCn(info);
    WebhookRequest request{info->request_method != nullptr ? info->request_method : "",
                           info->local_uri != nullptr ? info->local_uri : "",
                           authorization != nullptr ? authorization : "",
                           cn,
                           {}};
    const auto tooLarge = [&] {
      return WebhookResponse{413, "{\"code\":413,\"message\":\"the body is larger than max_body_bytes (" +
                                      std::to_string(options.maxBodyBytes) + ")\"}\n"};
    };
    if (info->content_length > static_cast<long long>(options.maxBodyBytes)) {
      reply(connection, tooLarge());
      return 413;
    }
    std::string body;
    if (info->content_length > 0) body.reserve(static_cast<std::size_t>(info->content_length));
    char chunk[kReadChunk];
    while (true) {
      const int read = mg_read(connection, chunk, sizeof chunk);
      if (read <= 0) break;
      body.append(chunk, static_cast<std::size_t>(read));
      if (body.size() > options.maxBodyBytes) {  // chunked, or a Content-Length that lied
        reply(connection, tooLarge());
        return 413;
      }
    }
    request.body = body;
    const WebhookResponse response = handler(request);
    reply(connection, response);
    return response.status;
  }

  // civetweb's TLS set-up, done here: certificate chain, key, client CA, TLS ≥ 1.2.
  int setUpTls(SSL_CTX* tls) {
    SSL_CTX_set_min_proto_version(tls, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(tls, options.certificateFile.c_str()) != 1) {
      tlsError = "the certificate " + options.certificateFile + ": " + opensslErrors();
      return -1;
    }
    if (SSL_CTX_use_PrivateKey_file(tls, options.keyFile.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(tls) != 1) {
      tlsError = "the key " + options.keyFile + ": " + opensslErrors();
      return -1;
    }
    if (!options.clientCaFile.empty()) {
      if (SSL_CTX_load_verify_locations(tls, options.clientCaFile.c_str(), nullptr) != 1) {
        tlsError = "the client CA " + options.clientCaFile + ": " + opensslErrors();
        return -1;
      }
      // A client may come with a bearer token instead: a certificate is verified when sent, not required.
      SSL_CTX_set_verify(tls, SSL_VERIFY_PEER, nullptr);
      SSL_CTX_set_client_CA_list(tls, SSL_load_client_CA_file(options.clientCaFile.c_str()));
    }
    return 1;
  }
};

WebhookServer::WebhookServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

WebhookServer::~WebhookServer() {
  if (state_ && state_->context != nullptr) mg_stop(state_->context);
}

Result<std::unique_ptr<WebhookServer>> WebhookServer::start(const WebhookServerOptions& options, Handler handler,
                                                            Logger log) {
  static std::once_flag initialised;  // civetweb's process-wide set-up (it loads OpenSSL once)
  std::call_once(initialised, [] { mg_init_library(MG_FEATURES_SSL); });
  auto state = std::make_unique<State>();
  state->options = options;
  state->handler = std::move(handler);
  state->log = std::move(log);
  const std::string ports = options.address + "s";
  const std::string threads = std::to_string(options.threads);
  const char* settings[] = {"listening_ports",
                            ports.c_str(),
                            "num_threads",
                            threads.c_str(),
                            "enable_keep_alive",
                            "yes",
                            "request_timeout_ms",
                            "30000",
                            "ssl_protocol_version",
                            "4",  // TLS 1.2 and newer (also set on the context)
                            nullptr};
  mg_callbacks callbacks{};
  callbacks.init_ssl = [](void* context, void* self) {
    return static_cast<State*>(self)->setUpTls(static_cast<SSL_CTX*>(context));
  };
  callbacks.log_message = [](const mg_connection* connection, const char* message) {
    // Handshakes that fail (a client certificate that does not verify, a scanner) are not the server's
    // problem: debug level.
    const mg_context* context = mg_get_context(connection);
    if (auto* self = static_cast<State*>(mg_get_user_data(context))) self->log.debug("https", {{"detail", message}});
    return 1;
  };
  State* raw = state.get();
  raw->context = mg_start(&callbacks, raw, settings);
  if (raw->context == nullptr) {
    if (!raw->tlsError.empty()) return invalidArgument("TLS set-up failed: " + raw->tlsError);
    return unavailable("cannot serve HTTPS on " + options.address + " (in use, or not an address of this host)");
  }
  mg_set_request_handler(
      raw->context, "/",
      [](mg_connection* connection, void* self) { return static_cast<State*>(self)->serve(connection); }, raw);
  auto server = std::unique_ptr<WebhookServer>(new WebhookServer(std::move(state)));
  mg_server_port port{};
  if (mg_get_server_ports(server->state_->context, 1, &port) >= 1) server->port_ = port.port;
  return server;
}

}  // namespace auditstream
