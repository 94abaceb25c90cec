#include "consumer/dead_letter_producer.h"

#include <chrono>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "common/thread_name.h"
#include "sinks/kafka_retry.h"

namespace auditstream {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr auto kLogEvery = std::chrono::minutes(1);

// A dead letter until the broker has it: its own copy of the record (the rejected message's bytes may
// be gone by the time it is re-sent) and what to run once it is durable.
struct DeadLetter {
  std::string payload;
  std::string reason;
  std::string message;
  std::string sourceTopic;
  std::string sourcePartition;
  std::string sourceOffset;
  std::string cluster;
  std::function<void()> done;
  int attempts = 0;
};

struct Resend {
  SteadyClock::time_point due;
  DeadLetter* letter;
};

}  // namespace

struct DeadLetterProducer::State {
  std::string topic;
  Logger log;
  KafkaClientPtr producer;
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> retrying{0};  // dead letters not yet delivered that failed at least once
  std::atomic<bool> stopping{false};
  std::mutex mutex;
  std::deque<Resend> resends;          // under mutex
  SteadyClock::time_point lastLogged;  // under mutex: the last "re-sending" line
  bool loggedOnce = false;             // under mutex
  std::thread poller;                  // last

  // Hands the dead letter to librdkafka (waiting while its queue is full); a refusal is a failure.
  void produce(DeadLetter* letter) {
    while (true) {
      KafkaErrorPtr error = produceCopy(producer.get(), topic, {}, letter->payload,
                                        {{"reject_reason", letter->reason},
                                         {"reject_message", letter->message},
                                         {"source_topic", letter->sourceTopic},
                                         {"source_partition", letter->sourcePartition},
                                         {"source_offset", letter->sourceOffset},
                                         {"cluster", letter->cluster}},
                                        letter);
      if (!error) return;  // owned by the delivery report now
      if (rd_kafka_error_code(error.get()) == RD_KAFKA_RESP_ERR__QUEUE_FULL && !stopping.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // back-pressure, never a drop
        continue;
      }
      failedOnce(letter, rd_kafka_error_code(error.get()), rd_kafka_error_string(error.get()));
      return;
    }
  }

  void finish(DeadLetter* letter) {
    if (letter->attempts > 0) --retrying;
    letter->done();
    delete letter;  // NOLINT(cppcoreguidelines-owning-memory): owned by librdkafka's opaque or `resends`
  }

  // Not delivered: re-sent after a backoff, without limit — its source offset stays uncommitted until
  // the broker has it — unless the broker can never take this record (then counted, logged, and its
  // message settles: a dead letter that can never be written must not stop its partition).
  void failedOnce(DeadLetter* letter, rd_kafka_resp_err_t error, const std::string& why) {
    if (refusedForGood(error)) {
      ++failed;
      log.error("dead letter refused for good", {{"topic", topic}, {"offset", letter->sourceOffset}, {"error", why}});
      finish(letter);
      return;
    }
    if (letter->attempts++ == 0) ++retrying;
    std::lock_guard lock(mutex);
    const auto now = SteadyClock::now();
    if (!stopping.load() && (!loggedOnce || now - lastLogged >= kLogEvery)) {
      loggedOnce = true;
      lastLogged = now;
      log.warn("dead letter not delivered, re-sending with backoff",
               {{"topic", topic}, {"error", why}, {"waiting", retrying.load()}});
    }
    resends.push_back({now + resendBackoff(letter->attempts), letter});
  }

  void resendDue() {
    std::vector<DeadLetter*> due;
    {
      std::lock_guard lock(mutex);
      const auto now = SteadyClock::now();
      for (auto it = resends.begin(); it != resends.end();) {
        if (it->due > now) {
          ++it;
          continue;
        }
        due.push_back(it->letter);
        it = resends.erase(it);
      }
    }
    for (DeadLetter* letter : due) produce(letter);
  }

  static void deliveryReport(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message, void* opaque) {
    auto* state = static_cast<State*>(opaque);
    auto* letter = static_cast<DeadLetter*>(message->_private);
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++state->delivered;
      state->finish(letter);
      return;
    }
    state->failedOnce(letter, message->err, rd_kafka_err2str(message->err));
  }
};

Result<std::unique_ptr<DeadLetterProducer>> DeadLetterProducer::create(KafkaProperties properties, std::string topic,
                                                                       Logger log) {
  properties.erase("group.id");
  properties["enable.idempotence"] = "true";
  properties["acks"] = "all";
  // A delivery that cannot complete fails after this and is re-sent by us, so it shows in the log and
  // in retrying() instead of waiting silently inside librdkafka for its 5-minute default.
  properties.try_emplace("message.timeout.ms", "30000");
  ASSIGN_OR_RETURN(KafkaConfPtr conf, makeKafkaConf(properties));
  auto state = std::make_unique<State>();
  state->topic = std::move(topic);
  state->log = std::move(log);
  rd_kafka_conf_set_opaque(conf.get(), state.get());
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &State::deliveryReport);
  ASSIGN_OR_RETURN(state->producer, makeKafkaClient(RD_KAFKA_PRODUCER, std::move(conf)));
  State* raw = state.get();
  state->poller = std::thread([raw] {
    nameThisThread("as-dead-letters");
    while (!raw->stopping.load()) {
      rd_kafka_poll(raw->producer.get(), 100);
      raw->resendDue();
    }
  });
  return std::unique_ptr<DeadLetterProducer>(new DeadLetterProducer(std::move(state)));
}

DeadLetterProducer::DeadLetterProducer(std::unique_ptr<State> state) : state_(std::move(state)) {}

// What is still undelivered after the bound is dropped without running its `done`: its source offset
// was never committed, so the message is read again (and dead-lettered again) by the next owner.
DeadLetterProducer::~DeadLetterProducer() {
  state_->stopping = true;
  if (state_->poller.joinable()) state_->poller.join();
  rd_kafka_flush(state_->producer.get(), 10'000);
  rd_kafka_purge(state_->producer.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(state_->producer.get(), 0);  // purged: their reports put them on `resends`
  std::lock_guard lock(state_->mutex);
  for (const Resend& resend : state_->resends) delete resend.letter;  // NOLINT(cppcoreguidelines-owning-memory)
  state_->resends.clear();
}

void DeadLetterProducer::send(std::string_view payload, const DeadLetterSource& source, const Rejection& rejection,
                              std::function<void()> done) {
  auto* letter = new DeadLetter{std::string(payload),
                                std::string(rejectReasonName(rejection.reason)),
                                rejection.message,
                                std::string(source.topic),
                                std::to_string(source.partition),
                                std::to_string(source.offset),
                                std::string(source.cluster),
                                std::move(done)};
  state_->produce(letter);
}

bool DeadLetterProducer::flush(std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) return false;
    if (rd_kafka_flush(state_->producer.get(), static_cast<int>(left.count())) != RD_KAFKA_RESP_ERR_NO_ERROR)
      return false;
    if (state_->retrying.load() == 0) return true;  // nothing waits for a re-send either
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::uint64_t DeadLetterProducer::delivered() const { return state_->delivered.load(); }
std::uint64_t DeadLetterProducer::failed() const { return state_->failed.load(); }
std::uint64_t DeadLetterProducer::retrying() const { return state_->retrying.load(); }

}  // namespace auditstream
