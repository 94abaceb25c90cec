#include "consumer/transactional_producer.h"

#include "common/thread_name.h"
#include "config/service_config.h"

namespace auditstream {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr auto kRetryPause = std::chrono::milliseconds(50);

std::uint64_t microsSince(SteadyClock::time_point start) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start).count());
}

void logProducerError(rd_kafka_t* producer, int error, const char* reason, void* opaque) {
  const auto* log = static_cast<const Logger*>(opaque);
  const auto code = static_cast<rd_kafka_resp_err_t>(error);
  if (code == RD_KAFKA_RESP_ERR__FATAL) {
    char fatal[512];
    rd_kafka_fatal_error(producer, fatal, sizeof fatal);
    log->error("fatal transactional producer error", {{"error", fatal}});
    return;
  }
  // Transient (a broker down, transport): librdkafka retries; the transaction fails if it cannot.
  log->warn("transactional producer", {{"error", rd_kafka_err2name(code)}, {"reason", reason}});
}

}  // namespace

Result<std::unique_ptr<TransactionalProducer>> TransactionalProducer::create(KafkaProperties properties,
                                                                             const std::string& transactionalId,
                                                                             std::chrono::milliseconds timeout,
                                                                             Logger log) {
  properties.erase("group.id");
  properties.erase("group.instance.id");
  properties["transactional.id"] = transactionalId;
  properties["enable.idempotence"] = "true";
  properties["acks"] = "all";
  // A member that dies mid-transaction holds its readers (read_committed) back until this passes, unless
  // it restarts first (init_transactions aborts it at once). Kafka Streams' exactly-once default.
  properties.try_emplace("transaction.timeout.ms", std::to_string(ServiceConfig::kDefaultTransactionTimeout.count()));
  properties.try_emplace("message.timeout.ms", properties["transaction.timeout.ms"]);
  // Many small records (alerts, signals, state) per transaction: batched and compressed; a commit
  // flushes whatever lingers.
  properties.try_emplace("linger.ms", "20");
  properties.try_emplace("compression.type", "lz4");
  properties.try_emplace("batch.size", "1000000");
  ASSIGN_OR_RETURN(KafkaConfPtr conf, makeKafkaConf(properties));
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &routeKafkaDelivery);
  rd_kafka_conf_set_error_cb(conf.get(), &logProducerError);
  auto producer = std::unique_ptr<TransactionalProducer>(new TransactionalProducer(nullptr, timeout, std::move(log)));
  rd_kafka_conf_set_opaque(conf.get(), &producer->log_);
  ASSIGN_OR_RETURN(KafkaClientPtr client, makeKafkaClient(RD_KAFKA_PRODUCER, std::move(conf)));
  producer->producer_ = SharedKafkaProducer(client.release(), KafkaClientDeleter());
  TransactionalProducer* raw = producer.get();
  producer->poller_ = std::thread([raw] {
    nameThisThread("as-txn-poll");
    while (!raw->stopping_.load()) rd_kafka_poll(raw->producer_.get(), 100);
  });
  if (KafkaErrorPtr error{rd_kafka_init_transactions(producer->producer_.get(), static_cast<int>(timeout.count()))}) {
    const std::string why = rd_kafka_error_string(error.get());
    if (rd_kafka_error_code(error.get()) == RD_KAFKA_RESP_ERR__TIMED_OUT) {
      return unavailable("exactly_once: the transaction coordinator did not answer within " +
                         std::to_string(timeout.count()) + " ms: " + why);
    }
    return failedPrecondition("exactly_once: the broker refused transactions (transactional.id " + transactionalId +
                              "): " + why);
  }
  if (producer->begin() != Outcome::kCommitted) return failedPrecondition("exactly_once: " + producer->why_);
  return producer;
}

TransactionalProducer::TransactionalProducer(SharedKafkaProducer producer, std::chrono::milliseconds timeout,
                                             Logger log)
    : producer_(std::move(producer)), timeout_(timeout), log_(std::move(log)) {}

TransactionalProducer::~TransactionalProducer() {
  if (producer_ && !fatal_) {
    // Whatever is still open was not committed: its effects' offsets were not either.
    if (KafkaErrorPtr error{rd_kafka_abort_transaction(producer_.get(), static_cast<int>(timeout_.count()))}) {
      log_.warn("could not abort the open transaction at the stop; it times out on the broker",
                {{"error", rd_kafka_error_string(error.get())}});
    }
  }
  stopping_ = true;
  if (poller_.joinable()) poller_.join();
  if (producer_) rd_kafka_poll(producer_.get(), 0);  // the purged records' reports
}

bool TransactionalProducer::flush(std::chrono::milliseconds timeout) {
  return rd_kafka_flush(producer_.get(), static_cast<int>(timeout.count())) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

template <typename Call>
TransactionalProducer::Outcome TransactionalProducer::attempt(const char* what, Call call) {
  const auto deadline = SteadyClock::now() + timeout_;
  while (true) {
    KafkaErrorPtr error{call()};
    if (!error) return Outcome::kCommitted;
    why_ = std::string(what) + ": " + rd_kafka_error_string(error.get());
    if (rd_kafka_error_is_fatal(error.get())) {
      fatal_ = true;
      log_.error("the transactional producer is fenced or broken; this member must stop", {{"error", why_}});
      return Outcome::kFatal;
    }
    if (rd_kafka_error_is_retriable(error.get()) && SteadyClock::now() + kRetryPause < deadline) {
      std::this_thread::sleep_for(kRetryPause);
      continue;
    }
    return abort(why_);
  }
}

TransactionalProducer::Outcome TransactionalProducer::begin() {
  if (KafkaErrorPtr error{rd_kafka_begin_transaction(producer_.get())}) {
    why_ = std::string("begin transaction: ") + rd_kafka_error_string(error.get());
    fatal_ = fatal_ || rd_kafka_error_is_fatal(error.get());
    return Outcome::kFatal;
  }
  return Outcome::kCommitted;
}

TransactionalProducer::Outcome TransactionalProducer::commit(const rd_kafka_topic_partition_list_t& offsets,
                                                             const rd_kafka_consumer_group_metadata_t* group) {
  const auto started = SteadyClock::now();
  const int timeoutMs = static_cast<int>(timeout_.count());
  if (offsets.cnt > 0) {
    const Outcome sent = attempt("send offsets to the transaction", [&] {
      return rd_kafka_send_offsets_to_transaction(producer_.get(), &offsets, group, timeoutMs);
    });
    if (sent != Outcome::kCommitted) return sent;
  }
  const Outcome committed =
      attempt("commit the transaction", [&] { return rd_kafka_commit_transaction(producer_.get(), timeoutMs); });
  if (committed != Outcome::kCommitted) return committed;
  const std::uint64_t micros = microsSince(started);
  commitMicros_ += micros;
  lastCommitMicros_ = micros;
  ++committed_;
  if (onCommit_) onCommit_(static_cast<double>(micros) / 1e6);
  return begin();
}

TransactionalProducer::Outcome TransactionalProducer::abort(const std::string& reason) {
  log_.warn("transaction aborted: what it wrote is discarded and its input is read again", {{"reason", reason}});
  const auto deadline = SteadyClock::now() + timeout_;
  while (true) {
    KafkaErrorPtr error{rd_kafka_abort_transaction(producer_.get(), static_cast<int>(timeout_.count()))};
    if (!error) break;
    why_ = std::string("abort the transaction: ") + rd_kafka_error_string(error.get());
    if (rd_kafka_error_is_retriable(error.get()) && SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(kRetryPause);
      continue;
    }
    fatal_ = true;
    log_.error("cannot abort the transaction; this member must stop", {{"error", why_}});
    return Outcome::kFatal;
  }
  ++aborted_;
  if (onAbort_) onAbort_();
  if (begin() != Outcome::kCommitted) return Outcome::kFatal;
  return Outcome::kAborted;
}

TransactionCounters TransactionalProducer::counters() const {
  TransactionCounters counters;
  counters.committed = committed_.load();
  counters.aborted = aborted_.load();
  counters.commitSeconds = static_cast<double>(commitMicros_.load()) / 1e6;
  counters.lastCommitSeconds = static_cast<double>(lastCommitMicros_.load()) / 1e6;
  return counters;
}

}  // namespace auditstream
