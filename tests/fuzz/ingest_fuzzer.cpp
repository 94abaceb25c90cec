// Fuzzes what `ingest` and `policy-check` read from outside: a webhook request (the handler after TLS
// and HTTP: Authorization header and body, the decode, the 400/401/413 paths, a fake Kafka) and an audit
// Policy file (parsed, then judged against the bundled rules). The first byte picks which; for a request
// the second byte's low bits choose the credential. Any crash or sanitizer report is a bug; every
// request must end with an answer from the documented set.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "config/audit_policy.h"
#include "config/policy_check.h"
#include "ingest/ingest_handler.h"

namespace {

using namespace auditstream;

class NullPublisher final : public EventPublisher {
 public:
  Status publish(const std::string&, std::string_view, std::span<const OutgoingEvent> events) override {
    for (const OutgoingEvent& event : events) {
      if (event.value.empty() || event.value.front() != '{') std::abort();  // only event objects go out
    }
    return Status::ok();
  }
  Status deadLetter(std::string_view, std::string_view, std::string_view, std::size_t) override { return Status::ok(); }
};

class NullObserver final : public IngestObserver {
 public:
  void requestServed(const RequestOutcome&) override {}
  void eventRejected(std::string_view, RejectReason) override {}
  void deadLetterFailed(std::string_view) override {}
};

struct Harness {
  IngestConfig config;
  NullPublisher publisher;
  NullObserver observer;
  std::unique_ptr<IngestHandler> handler;
  RuleLoad rules = loadSigmaRules({AUDITSTREAM_BUNDLED_RULES_DIR});

  Harness() {
    const std::filesystem::path token = std::filesystem::temp_directory_path() / "ingest-fuzzer-token";
    std::ofstream(token) << "fuzz-token\n";
    config.clients = {{"fuzz", token.string(), ""}, {"cert", "", "cn"}};
    config.clientCaFile = "ca.pem";
    config.maxEvents = 100;
    config.maxEventBytes = 4096;
    config.deadLetterTopic = "dead";
    Result<ClientDirectory> clients = ClientDirectory::load(config.clients);
    if (!clients) std::abort();
    handler = std::make_unique<IngestHandler>(config, std::move(clients).value(), publisher, observer,
                                              Logger::toStderr(LogFormat::kKeyValue, LogLevel::kError));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Harness harness;
  if (size < 2) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  if (data[0] % 2 == 0) {
    static const std::string_view kAuthorizations[] = {"Bearer fuzz-token", "", "Bearer wrong", "Basic x"};
    const WebhookRequest request{"POST", "/audit", kAuthorizations[data[1] % 4], data[1] & 4 ? "cn" : "", rest};
    const WebhookResponse response = harness.handler->handle(request);
    switch (response.status) {
      case 200:
      case 400:
      case 401:
      case 403:
      case 413: break;
      default: std::abort();
    }
    return 0;
  }
  const Result<AuditPolicy> policy = parseAuditPolicy(rest, "fuzz.yaml");
  if (policy) {
    for (const PolicyVerdict& verdict : checkPolicy(*policy, harness.rules)) {
      if (verdict.rule.empty()) std::abort();
    }
  }
  return 0;
}
