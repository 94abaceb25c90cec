#include "consumer/durable_producer.h"

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

#include "common/thread_name.h"
#include "sinks/kafka_retry.h"

namespace auditstream {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr auto kLogEvery = std::chrono::minutes(1);

// A record until the broker has it.
struct Pending final : KafkaDelivery {
  Pending(DurableProducer::State* producer, DurableRecord sent) : owner(producer), record(std::move(sent)) {}
  void reported(const rd_kafka_message_t& message) override;
  DurableProducer::State* owner;
  DurableRecord record;
  int attempts = 0;
};

struct Resend {
  SteadyClock::time_point due;
  Pending* pending;
};

}  // namespace

struct DurableProducer::State {
  std::string topic;
  std::string what;
  Logger log;
  SharedKafkaProducer producer;
  bool transactional = false;  // the handle is shared and transactional: no re-sends, not polled here
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> retrying{0};  // records not yet delivered that failed at least once
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<bool> stopping{false};
  std::mutex mutex;
  std::deque<Resend> resends;          // under mutex
  SteadyClock::time_point lastLogged;  // under mutex: the last "re-sending" line
  bool loggedOnce = false;             // under mutex
  std::thread poller;                  // last

  // Hands the record to librdkafka (waiting while its queue is full); a refusal is a failure.
  void produce(Pending* pending) {
    std::vector<KafkaHeader> headers;
    headers.reserve(pending->record.headers.size());
    for (const auto& [name, value] : pending->record.headers) headers.push_back({name.c_str(), value});
    while (true) {
      KafkaErrorPtr error = produceCopy(producer.get(), topic, pending->record.key,
                                        pending->record.tombstone ? std::string_view() : pending->record.value, headers,
                                        pending, pending->record.partition);
      if (!error) return;  // owned by the delivery report now
      if (rd_kafka_error_code(error.get()) == RD_KAFKA_RESP_ERR__QUEUE_FULL && !stopping.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // back-pressure, never a drop
        continue;
      }
      failedOnce(pending, rd_kafka_error_code(error.get()), rd_kafka_error_string(error.get()));
      return;
    }
  }

  void finish(Pending* pending) {
    if (pending->attempts > 0) --retrying;
    if (pending->record.done) pending->record.done();
    delete pending;  // NOLINT(cppcoreguidelines-owning-memory): owned by librdkafka's opaque or `resends`
  }

  // Not delivered: re-sent after a backoff, without limit, unless the broker can never take this record.
  // In a transaction: dropped without `done` (the transaction fails; its input is read again).
  void failedOnce(Pending* pending, rd_kafka_resp_err_t error, const std::string& why) {
    if (transactional) {
      // A purge is an abort's doing (logged once by the transactional producer); anything else is
      // logged as a re-send is, at most once a minute: an abort fails every record in flight.
      const bool purged = error == RD_KAFKA_RESP_ERR__PURGE_QUEUE || error == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT;
      delete pending;  // NOLINT(cppcoreguidelines-owning-memory): owned by librdkafka's opaque
      std::lock_guard lock(mutex);
      if (!purged && firstLogOfTheMinute()) {
        log.warn(what + " not delivered; the transaction will be aborted", {{"topic", topic}, {"error", why}});
      }
      return;
    }
    if (refusedForGood(error)) {
      ++failed;
      log.error(what + " refused for good",
                {{"topic", topic}, {"bytes", pending->record.value.size()}, {"error", why}});
      finish(pending);
      return;
    }
    if (pending->attempts++ == 0) ++retrying;
    std::lock_guard lock(mutex);
    if (!stopping.load() && firstLogOfTheMinute()) {
      log.warn(what + " not delivered, re-sending with backoff",
               {{"topic", topic}, {"error", why}, {"waiting", retrying.load()}});
    }
    resends.push_back({SteadyClock::now() + resendBackoff(pending->attempts), pending});
  }

  // Under mutex: true once a minute at most (and the first time).
  bool firstLogOfTheMinute() {
    const auto now = SteadyClock::now();
    if (loggedOnce && now - lastLogged < kLogEvery) return false;
    loggedOnce = true;
    lastLogged = now;
    return true;
  }

  void resendDue() {
    std::vector<Pending*> due;
    {
      std::lock_guard lock(mutex);
      const auto now = SteadyClock::now();
      for (auto it = resends.begin(); it != resends.end();) {
        if (it->due > now) {
          ++it;
          continue;
        }
        due.push_back(it->pending);
        it = resends.erase(it);
      }
    }
    for (Pending* pending : due) produce(pending);
  }

  void reported(Pending* pending, const rd_kafka_message_t& message) {
    if (message.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++delivered;
      finish(pending);
      return;
    }
    failedOnce(pending, message.err, rd_kafka_err2str(message.err));
  }
};

void Pending::reported(const rd_kafka_message_t& message) { owner->reported(this, message); }

Result<std::unique_ptr<DurableProducer>> DurableProducer::create(KafkaProperties properties, std::string topic,
                                                                 std::string what, std::string threadName, Logger log) {
  properties.erase("group.id");
  properties["enable.idempotence"] = "true";
  properties["acks"] = "all";
  // A delivery that cannot complete fails after this and is re-sent by us, so it shows in the log and
  // in retrying() instead of waiting silently inside librdkafka for its 5-minute default.
  properties.try_emplace("message.timeout.ms", "30000");
  ASSIGN_OR_RETURN(KafkaConfPtr conf, makeKafkaConf(properties));
  auto state = std::make_unique<State>();
  state->topic = std::move(topic);
  state->what = std::move(what);
  state->log = std::move(log);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &routeKafkaDelivery);
  ASSIGN_OR_RETURN(KafkaClientPtr producer, makeKafkaClient(RD_KAFKA_PRODUCER, std::move(conf)));
  state->producer = SharedKafkaProducer(producer.release(), KafkaClientDeleter());
  State* raw = state.get();
  state->poller = std::thread([raw, name = std::move(threadName)] {
    nameThisThread(name);
    while (!raw->stopping.load()) {
      rd_kafka_poll(raw->producer.get(), 100);
      raw->resendDue();
    }
  });
  return std::unique_ptr<DurableProducer>(new DurableProducer(std::move(state)));
}

std::unique_ptr<DurableProducer> DurableProducer::overTransaction(SharedKafkaProducer transactional, std::string topic,
                                                                  std::string what, Logger log) {
  auto state = std::make_unique<State>();
  state->topic = std::move(topic);
  state->what = std::move(what);
  state->log = std::move(log);
  state->producer = std::move(transactional);
  state->transactional = true;
  return std::unique_ptr<DurableProducer>(new DurableProducer(std::move(state)));
}

DurableProducer::DurableProducer(std::unique_ptr<State> state) : state_(std::move(state)) {}

// What is still undelivered after the bound is dropped without running its `done`: its input offset
// was never committed, so the message is read again (and its records written again) by the next owner.
// Over a transaction the transactional producer settles what is outstanding (it aborts and purges).
DurableProducer::~DurableProducer() {
  state_->stopping = true;
  if (state_->transactional) return;
  if (state_->poller.joinable()) state_->poller.join();
  rd_kafka_flush(state_->producer.get(), 10'000);
  rd_kafka_purge(state_->producer.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(state_->producer.get(), 0);  // purged: their reports put them on `resends`
  std::lock_guard lock(state_->mutex);
  for (const Resend& resend : state_->resends) delete resend.pending;  // NOLINT(cppcoreguidelines-owning-memory)
  state_->resends.clear();
}

void DurableProducer::send(DurableRecord record) {
  state_->bytes += record.value.size();
  state_->produce(
      new Pending(state_.get(), std::move(record)));  // NOLINT(cppcoreguidelines-owning-memory): see finish()
}

bool DurableProducer::flush(std::chrono::milliseconds timeout) {
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

const std::string& DurableProducer::topic() const { return state_->topic; }
std::uint64_t DurableProducer::delivered() const { return state_->delivered.load(); }
std::uint64_t DurableProducer::failed() const { return state_->failed.load(); }
std::uint64_t DurableProducer::retrying() const { return state_->retrying.load(); }
std::uint64_t DurableProducer::bytes() const { return state_->bytes.load(); }

}  // namespace auditstream
