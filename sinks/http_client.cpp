#include "sinks/http_client.h"

#include <curl/curl.h>
#include <mutex>

namespace auditstream {
namespace {

// curl_global_init is not thread-safe in every libcurl build; run it once per process, before the
// first handle. Its state lives for the process (libcurl's own design), so there is no cleanup.
Status ensureCurlInitialised() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) return internalError(std::string("curl_global_init: ") + curl_easy_strerror(result));
  return Status::ok();
}

std::size_t appendToString(char* data, std::size_t size, std::size_t count, void* userData) {
  static_cast<std::string*>(userData)->append(data, size * count);
  return size * count;
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

Status transportError(CURLcode code, const char* detail, const HttpRequest& request) {
  std::string message =
      request.method + " " + request.url + ": " + (detail[0] != '\0' ? detail : curl_easy_strerror(code));
  if (code == CURLE_OPERATION_TIMEDOUT) return deadlineExceeded(std::move(message));
  return unavailable(std::move(message));
}

}  // namespace

void HttpClient::CurlEasyDeleter::operator()(CURL* handle) const { curl_easy_cleanup(handle); }

Result<HttpClient> HttpClient::create() {
  RETURN_IF_ERROR(ensureCurlInitialised());
  CurlEasyPtr handle(curl_easy_init());
  if (!handle) return internalError("curl_easy_init failed");
  return HttpClient(std::move(handle));
}

Result<HttpResponse> HttpClient::send(const HttpRequest& request) {
  CURL* curl = handle_.get();
  curl_easy_reset(curl);  // keeps the connection cache, forgets the previous request's options

  SlistPtr headers;
  for (const std::string& header : request.headers) {
    curl_slist* appended = curl_slist_append(headers.get(), header.c_str());
    if (appended == nullptr) return internalError("curl_slist_append failed");
    static_cast<void>(headers.release());
    headers.reset(appended);
  }

  HttpResponse response;
  char errorBuffer[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // required for timeouts in multi-threaded programs
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errorBuffer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, appendToString);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  if (request.tls != nullptr) {
    const TlsOptions& tls = *request.tls;
    if (!tls.caFile.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, tls.caFile.c_str());
    if (!tls.certFile.empty()) curl_easy_setopt(curl, CURLOPT_SSLCERT, tls.certFile.c_str());
    if (!tls.keyFile.empty()) curl_easy_setopt(curl, CURLOPT_SSLKEY, tls.keyFile.c_str());
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, tls.insecureSkipVerify ? 0L : 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, tls.insecureSkipVerify ? 0L : 2L);
  }
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  if (request.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);

  const CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) return transportError(code, errorBuffer, request);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace auditstream
