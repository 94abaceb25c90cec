#include "sinks/kafka_alert_sink.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <thread>

#include "common/blocking_queue.h"
#include "common/thread_name.h"
#include "sinks/kafka_retry.h"

namespace auditstream {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr auto kLogEvery = std::chrono::minutes(1);

// An alert librdkafka holds (its opaque) or that waits to be re-sent.
struct InFlight final : KafkaDelivery {
  InFlight(KafkaAlertSink::State* sink, std::shared_ptr<const Alert> submitted, AckCallback onAck)
      : owner(sink), alert(std::move(submitted)), ack(std::move(onAck)) {}
  void reported(const rd_kafka_message_t& message) override;
  KafkaAlertSink::State* owner;
  std::shared_ptr<const Alert> alert;
  AckCallback ack;
  int attempts = 0;
};

// An alert on its way from submit() to the producing thread.
struct Submitted {
  std::shared_ptr<const Alert> alert;
  AckCallback ack;
};

struct Resend {
  SteadyClock::time_point due;
  InFlight* alert;
};

}  // namespace

struct KafkaAlertSink::State {
  KafkaAlertSinkOptions options;
  KafkaAlertSinkStats stats;
  SharedKafkaProducer producer;
  bool transactional = false;  // options.transactional: shared, not polled here, nothing re-sent
  mutable std::mutex mutex;
  std::condition_variable settled;
  std::uint64_t outstanding = 0;
  std::deque<Resend> resends;  // under mutex; due times in order (backoff only grows per alert, roughly)
  std::uint64_t retrying = 0;  // under mutex: alerts not yet delivered that failed at least once
  std::string lastError;       // under mutex: why they wait
  std::map<std::string, SteadyClock::time_point> lastLogged;  // under mutex: error name → last log line
  std::atomic<bool> stopping{false};
  std::atomic<bool> closing{false};  // the destructor is purging: failures are final now
  // submit() only queues: serialising to JSON and producing run on `producing`, off the caller's thread
  // (the pipeline's routing thread). Bounded: a full queue blocks the caller.
  BlockingQueue<Submitted> submitted{std::size_t{1} << 16U};
  std::thread poller;     // serves delivery reports and re-sends until stopping, then the destructor flushes
  std::thread producing;  // drains `submitted` until it is closed

  // Hands the alert to librdkafka; false when its queue is full (the caller keeps the alert).
  bool tryProduce(InFlight* inFlight);
  void produceWaiting(InFlight* inFlight);
  void resendDue();

  void countError(const char* name) {
    std::lock_guard lock(stats.errorsMutex);
    ++stats.errors[name];
  }

  // One line per error kind per minute: a deleted topic fails every alert, every few seconds.
  void logRateLimited(const std::string& name, const std::string& line) {
    {
      std::lock_guard lock(mutex);
      const auto now = SteadyClock::now();
      auto [entry, fresh] = lastLogged.try_emplace(name, now);
      if (!fresh && now - entry->second < kLogEvery) return;
      entry->second = now;
    }
    options.log.warn(line);
  }

  void finish(InFlight* inFlight, const Delivery& delivery) {
    inFlight->ack(delivery);
    const bool wasRetrying = inFlight->attempts > 0;
    delete inFlight;  // NOLINT(cppcoreguidelines-owning-memory): owned by librdkafka's opaque or `resends`
    std::lock_guard lock(mutex);
    if (wasRetrying) --retrying;
    --outstanding;
    if (outstanding == 0) settled.notify_all();
  }

  // A delivery (or a produce call) failed with `error`: re-send later, unless it can never succeed or the
  // sink is closing.
  void failed(InFlight* inFlight, rd_kafka_resp_err_t error, const std::string& why) {
    countError(rd_kafka_err2name(error));
    if (transactional || closing.load() || refusedForGood(error) ||
        rd_kafka_fatal_error(producer.get(), nullptr, 0) != 0) {
      ++stats.failed;
      const bool rejected = refusedForGood(error);
      logRateLimited(rd_kafka_err2name(error), std::string(rejected ? "refused for good: " : "not delivered: ") + why);
      finish(inFlight, {rejected ? DeliveryOutcome::kRejected : DeliveryOutcome::kFailed, "kafka: " + why});
      return;
    }
    logRateLimited(rd_kafka_err2name(error),
                   "delivery to '" + options.topic + "' failed, re-sending with backoff: " + why);
    std::lock_guard lock(mutex);
    if (inFlight->attempts++ == 0) ++retrying;
    lastError = why;
    resends.push_back({SteadyClock::now() + resendBackoff(inFlight->attempts), inFlight});
  }

  void onDelivery(InFlight* inFlight, const rd_kafka_message_t& message) {
    if (message.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++stats.delivered;
      finish(inFlight, {});
      return;
    }
    failed(inFlight, message.err, rd_kafka_err2str(message.err));
  }

  static void errorCallback(rd_kafka_t* rk, int error, const char* reason, void* opaque) {
    auto* state = static_cast<State*>(opaque);
    const auto code = static_cast<rd_kafka_resp_err_t>(error);
    state->countError(rd_kafka_err2name(code));
    if (code == RD_KAFKA_RESP_ERR__FATAL) {
      char fatal[512];
      rd_kafka_fatal_error(rk, fatal, sizeof fatal);
      state->options.log.error("fatal producer error", {{"error", fatal}});
    } else {
      // Transient (broker down, transport): librdkafka retries; alerts wait in its queue.
      state->logRateLimited(rd_kafka_err2name(code), std::string(rd_kafka_err2name(code)) + ": " + reason);
    }
  }
};

void InFlight::reported(const rd_kafka_message_t& message) { owner->onDelivery(this, message); }

std::string alertKafkaKey(const Alert& alert) {
  std::string key = alert.cluster + "/" + alert.rule->id;
  for (const auto& [field, value] : alert.groupBy) (key += '/') += value;
  return key;
}

Result<std::unique_ptr<KafkaAlertSink>> KafkaAlertSink::create(KafkaAlertSinkOptions options) {
  KafkaProperties properties = {{"enable.idempotence", "true"},
                                {"acks", "all"},
                                {"linger.ms", "20"},
                                {"compression.type", "lz4"},
                                {"message.timeout.ms", "30000"}};
  for (const auto& [key, value] : options.properties) properties[key] = value;
  if (properties["acks"] != "all" && properties["acks"] != "-1") {
    return invalidArgument("kafka alert sink: acks must be all: the alerts topic is the durable record");
  }
  auto state = std::make_unique<State>();
  if (options.transactional) {
    state->producer = options.transactional;
    state->transactional = true;
  } else {
    ASSIGN_OR_RETURN(KafkaConfPtr conf, makeKafkaConf(properties));
    rd_kafka_conf_set_opaque(conf.get(), state.get());
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &routeKafkaDelivery);
    rd_kafka_conf_set_error_cb(conf.get(), &State::errorCallback);
    ASSIGN_OR_RETURN(KafkaClientPtr producer, makeKafkaClient(RD_KAFKA_PRODUCER, std::move(conf)));
    state->producer = SharedKafkaProducer(producer.release(), KafkaClientDeleter());
  }
  state->options = std::move(options);
  State* raw = state.get();
  if (!state->transactional) {
    state->poller = std::thread([raw] {
      nameThisThread("as-alerts-poll");
      while (!raw->stopping.load()) {
        rd_kafka_poll(raw->producer.get(), 100);
        raw->resendDue();
      }
    });
  }
  state->producing = std::thread([raw] {
    nameThisThread("as-alerts-send");
    while (std::optional<Submitted> item = raw->submitted.pop()) {
      raw->produceWaiting(new InFlight(raw, std::move(item->alert), std::move(item->ack)));  // NOLINT: see finish()
    }
  });
  return std::unique_ptr<KafkaAlertSink>(new KafkaAlertSink(std::move(state)));
}

KafkaAlertSink::KafkaAlertSink(std::unique_ptr<State> state) : state_(std::move(state)) {}

KafkaAlertSink::~KafkaAlertSink() {
  // Destruction order: produce what was submitted, stop polling, give in-flight alerts a bounded chance,
  // then what is left is acked failed (its messages stay uncommitted) and the producer goes.
  state_->submitted.close();
  if (state_->producing.joinable()) state_->producing.join();
  state_->stopping = true;
  if (state_->transactional) return;  // the transactional producer settles what is outstanding
  if (state_->poller.joinable()) state_->poller.join();
  rd_kafka_flush(state_->producer.get(), 10'000);
  state_->closing = true;
  rd_kafka_purge(state_->producer.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(state_->producer.get(), 0);  // serves the purged messages' reports: acked failed
  std::deque<Resend> resends;
  {
    std::lock_guard lock(state_->mutex);
    resends.swap(state_->resends);
  }
  for (const Resend& resend : resends) {
    ++state_->stats.failed;
    state_->finish(resend.alert, {DeliveryOutcome::kFailed, "kafka: the sink closed before the alert was delivered"});
  }
}

void KafkaAlertSink::submit(std::shared_ptr<const Alert> alert, AckCallback ack) {
  ++state_->stats.submitted;
  {
    std::lock_guard lock(state_->mutex);
    ++state_->outstanding;  // counted here, so flush() waits for what is still queued
  }
  state_->submitted.push(Submitted{std::move(alert), std::move(ack)});
}

bool KafkaAlertSink::State::tryProduce(InFlight* inFlight) {
  const Alert& alert = *inFlight->alert;
  KafkaErrorPtr error =
      produceCopy(producer.get(), options.topic, alertKafkaKey(alert), alertToJson(alert),
                  {{"rule_id", alert.rule->id}, {"severity", alert.rule->level}, {"cluster", alert.cluster}}, inFlight);
  if (!error) return true;
  const rd_kafka_resp_err_t code = rd_kafka_error_code(error.get());
  if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
    ++stats.queueFullWaits;
    return false;
  }
  failed(inFlight, code, std::string("produce: ") + rd_kafka_error_string(error.get()));
  return true;
}

void KafkaAlertSink::State::produceWaiting(InFlight* inFlight) {
  // Back-pressure, never a drop: wait for delivery reports to make room.
  while (!tryProduce(inFlight)) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

void KafkaAlertSink::State::resendDue() {
  std::vector<InFlight*> due;
  {
    std::lock_guard lock(mutex);
    const auto now = SteadyClock::now();
    while (!resends.empty() && resends.front().due <= now) {
      due.push_back(resends.front().alert);
      resends.pop_front();
    }
  }
  for (std::size_t i = 0; i < due.size(); ++i) {
    ++stats.resent;
    if (tryProduce(due[i])) continue;
    // librdkafka's queue is full: the rest waits for the next round (this thread serves the reports).
    std::lock_guard lock(mutex);
    for (std::size_t j = due.size(); j > i; --j) resends.push_front({SteadyClock::now(), due[j - 1]});
    return;
  }
}

bool KafkaAlertSink::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mutex);
  return state_->settled.wait_for(lock, timeout, [&] { return state_->outstanding == 0; });
}

SinkHealth KafkaAlertSink::health() const {
  char fatal[512];
  if (rd_kafka_fatal_error(state_->producer.get(), fatal, sizeof fatal) != 0) {
    return {false, false, "kafka alert sink: fatal producer error (restart the service): " + std::string(fatal)};
  }
  std::lock_guard lock(state_->mutex);
  if (state_->retrying == 0) return {};
  return {false, false,
          "kafka alerts topic '" + state_->options.topic + "': " + std::to_string(state_->retrying) +
              " alerts not delivered yet, re-sending (" + state_->lastError + ")"};
}

KafkaAlertSinkStats& KafkaAlertSink::stats() { return state_->stats; }

}  // namespace auditstream
