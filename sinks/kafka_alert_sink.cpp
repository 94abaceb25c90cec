#include "sinks/kafka_alert_sink.h"

#include <condition_variable>
#include <cstdio>
#include <thread>

#include "common/blocking_queue.h"

namespace auditstream {
namespace {

// What the delivery-report callback needs: the ack and the sink's counters.
struct InFlight {
  AckCallback ack;
};

// An alert on its way from submit() to the producing thread.
struct Submitted {
  std::shared_ptr<const Alert> alert;
  AckCallback ack;
};

}  // namespace

struct KafkaAlertSink::State {
  KafkaAlertSinkOptions options;
  KafkaAlertSinkStats stats;
  KafkaClientPtr producer;
  std::mutex mutex;
  std::condition_variable settled;
  std::uint64_t outstanding = 0;
  std::atomic<bool> stopping{false};
  // submit() only queues: serialising to JSON and producing run on `producing`, off the caller's thread
  // (the service's consumer thread routes every alert). Bounded: a full queue blocks the caller.
  BlockingQueue<Submitted> submitted{std::size_t{1} << 16U};
  std::thread poller;     // polls until stopping, then the destructor flushes
  std::thread producing;  // drains `submitted` until it is closed

  void produce(Submitted item);

  void countError(const char* name) {
    std::lock_guard lock(stats.errorsMutex);
    ++stats.errors[name];
  }

  void onDelivery(const rd_kafka_message_t* message) {
    auto* inFlight = static_cast<InFlight*>(message->_private);
    Delivery delivery;
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++stats.delivered;
    } else {
      ++stats.failed;
      countError(rd_kafka_err2name(message->err));
      delivery = {DeliveryOutcome::kFailed, std::string("kafka: ") + rd_kafka_err2str(message->err)};
      std::fprintf(stderr, "kafka alert sink: delivery failed: %s\n", rd_kafka_err2str(message->err));
    }
    inFlight->ack(delivery);
    delete inFlight;  // NOLINT(cppcoreguidelines-owning-memory): owned by librdkafka's opaque until here
    std::lock_guard lock(mutex);
    --outstanding;
    if (outstanding == 0) settled.notify_all();
  }

  static void deliveryReport(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message, void* opaque) {
    static_cast<State*>(opaque)->onDelivery(message);
  }

  static void errorCallback(rd_kafka_t* rk, int error, const char* reason, void* opaque) {
    auto* state = static_cast<State*>(opaque);
    const auto code = static_cast<rd_kafka_resp_err_t>(error);
    state->countError(rd_kafka_err2name(code));
    if (code == RD_KAFKA_RESP_ERR__FATAL) {
      char fatal[512];
      rd_kafka_fatal_error(rk, fatal, sizeof fatal);
      std::fprintf(stderr, "kafka alert sink: fatal producer error: %s\n", fatal);
    } else {
      // Transient (broker down, transport): librdkafka retries; alerts wait in its queue.
      std::fprintf(stderr, "kafka alert sink: %s: %s\n", rd_kafka_err2name(code), reason);
    }
  }
};

std::string alertKafkaKey(const Alert& alert) {
  std::string key = alert.cluster + "/" + alert.rule->id;
  for (const auto& [field, value] : alert.groupBy) (key += '/') += value;
  return key;
}

Result<std::unique_ptr<KafkaAlertSink>> KafkaAlertSink::create(KafkaAlertSinkOptions options) {
  KafkaProperties properties = {
      {"enable.idempotence", "true"}, {"acks", "all"}, {"linger.ms", "20"}, {"compression.type", "lz4"}};
  for (const auto& [key, value] : options.properties) properties[key] = value;
  if (properties["acks"] != "all" && properties["acks"] != "-1") {
    return invalidArgument("kafka alert sink: acks must be all: the alerts topic is the durable record");
  }
  ASSIGN_OR_RETURN(KafkaConfPtr conf, makeKafkaConf(properties));
  auto state = std::make_unique<State>();
  rd_kafka_conf_set_opaque(conf.get(), state.get());
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &State::deliveryReport);
  rd_kafka_conf_set_error_cb(conf.get(), &State::errorCallback);
  ASSIGN_OR_RETURN(state->producer, makeKafkaClient(RD_KAFKA_PRODUCER, std::move(conf)));
  state->options = std::move(options);
  State* raw = state.get();
  state->poller = std::thread([raw] {
    while (!raw->stopping.load()) rd_kafka_poll(raw->producer.get(), 100);
  });
  state->producing = std::thread([raw] {
    while (std::optional<Submitted> item = raw->submitted.pop()) raw->produce(std::move(*item));
  });
  return std::unique_ptr<KafkaAlertSink>(new KafkaAlertSink(std::move(state)));
}

KafkaAlertSink::KafkaAlertSink(std::unique_ptr<State> state) : state_(std::move(state)) {}

KafkaAlertSink::~KafkaAlertSink() {
  // Destruction order: produce what was submitted, stop polling, give in-flight alerts a bounded chance,
  // then the producer goes.
  state_->submitted.close();
  if (state_->producing.joinable()) state_->producing.join();
  state_->stopping = true;
  if (state_->poller.joinable()) state_->poller.join();
  rd_kafka_flush(state_->producer.get(), 10'000);
}

void KafkaAlertSink::submit(std::shared_ptr<const Alert> alert, AckCallback ack) {
  ++state_->stats.submitted;
  {
    std::lock_guard lock(state_->mutex);
    ++state_->outstanding;  // counted here, so flush() waits for what is still queued
  }
  state_->submitted.push(Submitted{std::move(alert), std::move(ack)});
}

void KafkaAlertSink::State::produce(Submitted item) {
  State& state = *this;
  const std::shared_ptr<const Alert>& alert = item.alert;
  const std::string key = alertKafkaKey(*alert);
  const std::string value = alertToJson(*alert);
  const std::string& rule = alert->rule->id;
  const std::string& severity = alert->rule->level;
  auto* inFlight = new InFlight{std::move(item.ack)};  // NOLINT(cppcoreguidelines-owning-memory): see onDelivery
  while (true) {
    KafkaErrorPtr error =
        produceCopy(state.producer.get(), state.options.topic, key, value,
                    {{"rule_id", rule}, {"severity", severity}, {"cluster", alert->cluster}}, inFlight);
    if (!error) return;
    const rd_kafka_resp_err_t code = rd_kafka_error_code(error.get());
    if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      // Back-pressure, never a drop: wait for delivery reports to make room.
      ++state.stats.queueFullWaits;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    state.countError(rd_kafka_err2name(code));
    ++state.stats.failed;
    inFlight->ack({DeliveryOutcome::kFailed, std::string("kafka produce: ") + rd_kafka_error_string(error.get())});
    delete inFlight;  // NOLINT(cppcoreguidelines-owning-memory): librdkafka did not take it
    std::lock_guard lock(state.mutex);
    if (--state.outstanding == 0) state.settled.notify_all();
    return;
  }
}

bool KafkaAlertSink::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mutex);
  return state_->settled.wait_for(lock, timeout, [&] { return state_->outstanding == 0; });
}

KafkaAlertSinkStats& KafkaAlertSink::stats() { return state_->stats; }

}  // namespace auditstream
