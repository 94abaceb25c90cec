#include "engine/envelope_decoder.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <string>

namespace auditstream {
namespace {

const std::filesystem::path kDatasets = AUDITSTREAM_DATASETS_DIR;

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Decoded {
  std::vector<std::string> auditIds;
  std::vector<std::string> verbs;
  DecodeOutcome outcome;
};

Decoded decode(EnvelopeDecoder& decoder, std::string_view message, std::optional<EventTime> time = std::nullopt) {
  Decoded decoded;
  decoded.outcome = decoder.decode(message, time, [&](const AuditEvent& event) {
    decoded.auditIds.emplace_back(event.get(FastField::kAuditId));
    decoded.verbs.emplace_back(event.get(FastField::kVerb));
  });
  return decoded;
}

EnvelopeDecoder makeDecoder(EnvelopeOptions options = {}) {
  return EnvelopeDecoder::create(std::move(options)).value();
}

constexpr std::string_view kEvent =
    R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","stage":"ResponseComplete",)"
    R"("requestURI":"/api/v1/namespaces/default/pods/p/exec?command=sh","verb":"create",)"
    R"("user":{"username":"alice","groups":["dev"]},"sourceIPs":["10.0.0.1"],"userAgent":"kubectl/v1.29",)"
    R"("objectRef":{"resource":"pods","namespace":"default","name":"p","apiVersion":"v1","subresource":"exec"},)"
    R"("responseStatus":{"metadata":{},"code":101},"requestReceivedTimestamp":"2026-01-01T00:00:00.000001Z",)"
    R"("stageTimestamp":"2026-01-01T00:00:00.5Z","annotations":{"authorization.k8s.io/decision":"allow"}})";

TEST(EnvelopeDecoder, ReadsTheFastFieldsOfOneEvent) {
  EnvelopeDecoder decoder = makeDecoder();
  int calls = 0;
  const DecodeOutcome outcome = decoder.decode(kEvent, std::nullopt, [&](const AuditEvent& event) {
    ++calls;
    EXPECT_EQ(event.get(FastField::kVerb), "create");
    EXPECT_EQ(event.get(FastField::kUserUsername), "alice");
    EXPECT_EQ(event.get(FastField::kObjectSubresource), "exec");
    EXPECT_EQ(event.get(FastField::kResponseCode), "101");
    EXPECT_EQ(event.get(FastField::kRequestUri), "/api/v1/namespaces/default/pods/p/exec?command=sh");
    EXPECT_FALSE(event.has(FastField::kObjectApiGroup));
    EXPECT_EQ(event.time.nanosSinceEpoch, parseRfc3339("2026-01-01T00:00:00.5Z")->nanosSinceEpoch);
    EXPECT_EQ(event.raw(), kEvent);
    const EventMember* annotations = event.member("annotations");
    ASSERT_NE(annotations, nullptr);
    if (annotations != nullptr) {
      EXPECT_EQ(*annotations->valueStart, '{');
    }
    EXPECT_EQ(event.get(FastField::kDecision), "allow");
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(outcome.events, 1U);
  EXPECT_TRUE(outcome.rejections.empty());
}

TEST(EnvelopeDecoder, UnescapesStrings) {
  EnvelopeDecoder decoder = makeDecoder();
  const auto decoded =
      decode(decoder, R"({"kind":"Event","auditID":"a\u0031","verb":"g\"et","stageTimestamp":"2026-01-01T00:00:00Z"})");
  ASSERT_EQ(decoded.auditIds.size(), 1U);
  EXPECT_EQ(decoded.auditIds[0], "a1");
  EXPECT_EQ(decoded.verbs[0], "g\"et");
}

TEST(EnvelopeDecoder, EventListArrayAndStringEnvelopes) {
  EnvelopeDecoder decoder = makeDecoder();
  const std::string event = std::string(kEvent);
  EXPECT_EQ(
      decode(decoder, R"({"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[)" + event + "," + event + "]}")
          .outcome.events,
      2U);
  EXPECT_EQ(decode(decoder, "[" + event + "," + event + "," + event + "]").outcome.events, 3U);
  std::string escaped;
  for (char c : event) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  const auto fluentBit = decode(decoder, R"({"time":"x","log":")" + escaped + R"(\n"})");
  EXPECT_EQ(fluentBit.outcome.events, 1U);
  EXPECT_EQ(fluentBit.auditIds, std::vector<std::string>{"a1"});
  const auto eventHubs = decode(decoder, R"({"records":[{"properties":{"log":")" + escaped +
                                             R"("}},{"properties":{"log":")" + escaped + R"("}}]})");
  EXPECT_EQ(eventHubs.outcome.events, 2U);
  EXPECT_TRUE(eventHubs.outcome.rejections.empty());
}

RejectReason rejectionOf(std::string_view message, EnvelopeOptions options = {}) {
  EnvelopeDecoder decoder = makeDecoder(std::move(options));
  const auto decoded = decode(decoder, message);
  EXPECT_EQ(decoded.outcome.events, 0U) << message;
  EXPECT_EQ(decoded.outcome.rejections.size(), 1U) << message;
  return decoded.outcome.rejections.empty() ? RejectReason::kCount : decoded.outcome.rejections[0].reason;
}

TEST(EnvelopeDecoder, NewlineDelimitedEventsInOneMessage) {
  EnvelopeDecoder decoder = makeDecoder();
  const auto decoded = decode(decoder, std::string(kEvent) + "\n" + std::string(kEvent) + "\n\n" + std::string(kEvent));
  EXPECT_EQ(decoded.outcome.events, 3U);
  EXPECT_TRUE(decoded.outcome.rejections.empty());
  const auto garbage = decode(decoder, std::string(kEvent) + " garbage");
  EXPECT_EQ(garbage.outcome.rejections.size(), 1U);
}

TEST(EnvelopeDecoder, RejectsBadInputWithAReason) {
  EXPECT_EQ(rejectionOf(""), RejectReason::kEmpty);
  EXPECT_EQ(rejectionOf("   \n"), RejectReason::kEmpty);
  EXPECT_EQ(rejectionOf("not json"), RejectReason::kNotJson);
  EXPECT_EQ(rejectionOf(R"({"kind":"Event","auditID":"a1","verb":"get)"), RejectReason::kTruncated);
  EXPECT_EQ(rejectionOf(R"({"kind":"Event","auditID":"a1","user":{"username":"x")"), RejectReason::kTruncated);
  EXPECT_EQ(rejectionOf("{\"kind\":\"Event\",\"auditID\":\"\xff\xfe\"}"), RejectReason::kInvalidUtf8);
  EXPECT_EQ(rejectionOf(R"({"kind":0})"), RejectReason::kNotAnEvent);
  EXPECT_EQ(rejectionOf(R"({"kind":"Pod","auditID":"a"})"), RejectReason::kNotAnEvent);
  EXPECT_EQ(rejectionOf(R"({"kind":"Event","verb":"get","stageTimestamp":"2026-01-01T00:00:00Z"})"),
            RejectReason::kNotAnEvent);
  EXPECT_EQ(rejectionOf(R"({"kind":"Event","auditID":"a","verb":7,"stageTimestamp":"2026-01-01T00:00:00Z"})"),
            RejectReason::kNotAnEvent);
  EXPECT_EQ(rejectionOf(R"({"kind":"Event","apiVersion":"audit.k8s.io/v2","auditID":"a"})"),
            RejectReason::kUnsupportedApiVersion);
  EXPECT_EQ(rejectionOf(R"({"log":42})"), RejectReason::kBadEnvelope);
  EXPECT_EQ(rejectionOf(R"({"log":"not json at all"})"), RejectReason::kNotJson);
  EXPECT_EQ(rejectionOf("42"), RejectReason::kNotAnEvent);
  EXPECT_EQ(rejectionOf(kEvent, EnvelopeOptions{.maxMessageBytes = 100}), RejectReason::kTooLarge);
}

TEST(EnvelopeDecoder, NoTimestampFallsBackToTheMessageTime) {
  EnvelopeDecoder decoder = makeDecoder();
  std::optional<EventTime> seen;
  const auto outcome = decoder.decode(R"({"kind":"Event","auditID":"a"})", EventTime{42},
                                      [&](const AuditEvent& event) { seen = event.time; });
  EXPECT_EQ(outcome.events, 1U);
  EXPECT_EQ(seen, EventTime{42});
}

TEST(EnvelopeDecoder, RejectsOneBadItemOfAListAndKeepsTheOthers) {
  EnvelopeDecoder decoder = makeDecoder();
  const auto decoded = decode(decoder, "[" + std::string(kEvent) + R"(,{"kind":"Pod"},)" + std::string(kEvent) + "]");
  EXPECT_EQ(decoded.outcome.events, 2U);
  ASSERT_EQ(decoded.outcome.rejections.size(), 1U);
  EXPECT_EQ(decoded.outcome.rejections[0].reason, RejectReason::kNotAnEvent);
}

// Every line of the 47 Falco trace files is one message; 51 events parse, the malformed one is rejected.
TEST(EnvelopeDecoder, FalcoTraceFilesAllParseExceptTheMalformedOne) {
  EnvelopeDecoder decoder = makeDecoder();
  std::size_t events = 0;
  std::vector<std::string> rejected;
  for (const auto& entry : std::filesystem::directory_iterator(kDatasets / "falco-k8saudit" / "k8s_audit")) {
    std::istringstream lines(readFile(entry.path()));
    for (std::string line; std::getline(lines, line);) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      const auto decoded = decode(decoder, line);
      events += decoded.outcome.events;
      for (const Rejection& rejection : decoded.outcome.rejections) {
        rejected.push_back(entry.path().filename().string() + ": " + std::string(rejectReasonName(rejection.reason)) +
                           ": " + rejection.message);
      }
    }
  }
  EXPECT_EQ(events, 51U);
  ASSERT_EQ(rejected.size(), 1U);
  EXPECT_EQ(rejected[0], "fal_01_003.json: not_an_event: 'kind' is not a string");
}

TEST(EnvelopeDecoder, AzureEventHubsSamples) {
  EnvelopeDecoder decoder = makeDecoder();
  const auto records = decode(decoder, readFile(kDatasets / "aks-eventhubs" / "samples" / "event.json"));
  EXPECT_GT(records.outcome.events, 0U);
  EXPECT_TRUE(records.outcome.rejections.empty()) << records.outcome.rejections[0].message;
  const auto single =
      decode(decoder, readFile(kDatasets / "aks-eventhubs" / "samples" / "sample_EventHubs_event.json"));
  EXPECT_EQ(single.outcome.events, 1U);
  const auto plain =
      decode(decoder, readFile(kDatasets / "aks-eventhubs" / "samples" / "sample_KubeAuditLog_event.json"));
  EXPECT_EQ(plain.outcome.events, 1U);
}

}  // namespace
}  // namespace auditstream
