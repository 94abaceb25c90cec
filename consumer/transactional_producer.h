// TransactionalProducer: the one producer of a member in `delivery: exactly_once` (ARCHITECTURE.md, Data
// flow). The alerts sink, the signals, the changelog and the dead letters all write through its handle
// (KafkaDelivery routes each report back to its writer), so everything a member wrote since its last
// commit is one Kafka transaction, committed together with the consumed offsets of both stages
// (rd_kafka_send_offsets_to_transaction with the consumer's group metadata, KIP-447: a member the
// group has moved on from cannot commit — its offsets are refused and its transaction aborted).
//
// commit() and abort() end the open transaction and begin the next one, so there is always one open
// for the writers. Errors follow librdkafka's classes: retriable ones are retried within the timeout;
// ones that require an abort abort (everything written since the last commit is discarded, and the
// caller rewinds its input to the committed offsets); fatal ones (this transactional.id was taken over
// by another process: a zombie) leave the producer unusable and are returned as such.
//
// transactional.id must be unique per member and stable across its restarts: a restarted member aborts
// the transaction its previous incarnation left open at once (init_transactions), instead of readers
// waiting for transaction.timeout.ms.
//
// commit() and abort() are for one thread (the pipeline's polling thread); handle() and flush() for any.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/log.h"
#include "common/result.h"
#include "sinks/kafka_client.h"
#include "sinks/kafka_delivery.h"

namespace auditstream {

struct TransactionCounters {
  std::uint64_t committed = 0;
  std::uint64_t aborted = 0;
  double commitSeconds = 0;  // summed over the commits
  double lastCommitSeconds = 0;
};

class TransactionalProducer {
 public:
  enum class Outcome { kCommitted, kAborted, kFatal };

  // Creates the producer and initialises its transactions (fencing an earlier incarnation with the same
  // id), then begins the first. Errors: a bad property; unavailable when the coordinator cannot be
  // reached within `timeout`; failedPrecondition when the broker refuses transactions.
  static Result<std::unique_ptr<TransactionalProducer>> create(KafkaProperties properties,
                                                               const std::string& transactionalId,
                                                               std::chrono::milliseconds timeout, Logger log = {});
  // Aborts the open transaction (bounded), stops serving reports.
  ~TransactionalProducer();
  TransactionalProducer(const TransactionalProducer&) = delete;
  TransactionalProducer& operator=(const TransactionalProducer&) = delete;

  SharedKafkaProducer handle() const { return producer_; }
  // Waits until everything produced so far is acknowledged (linger ignored) or `timeout` passed.
  bool flush(std::chrono::milliseconds timeout);
  // Commits the open transaction with `offsets` (may be empty) for the group `group`, and begins the next.
  // kAborted: it had to be aborted instead; kFatal: the producer is fenced or broken (`why()` says).
  Outcome commit(const rd_kafka_topic_partition_list_t& offsets, const rd_kafka_consumer_group_metadata_t* group);
  // Aborts the open transaction (what was written since the last commit is discarded) and begins the next.
  Outcome abort(const std::string& reason);
  const std::string& why() const { return why_; }
  // Told each commit's duration (offsets sent and committed), on the committing thread.
  void onCommit(std::function<void(double seconds)> observe) { onCommit_ = std::move(observe); }
  // Told each abort, on the aborting thread.
  void onAbort(std::function<void()> observe) { onAbort_ = std::move(observe); }
  TransactionCounters counters() const;

 private:
  TransactionalProducer(SharedKafkaProducer producer, std::chrono::milliseconds timeout, Logger log);
  // Runs `call` until it succeeds, fails for good, or the timeout passes; sorts the failure.
  template <typename Call>
  Outcome attempt(const char* what, Call call);
  Outcome begin();

  SharedKafkaProducer producer_;
  std::chrono::milliseconds timeout_;
  Logger log_;
  std::string why_;
  bool fatal_ = false;
  std::function<void(double)> onCommit_;
  std::function<void()> onAbort_;
  std::atomic<std::uint64_t> committed_{0};
  std::atomic<std::uint64_t> aborted_{0};
  std::atomic<std::uint64_t> commitMicros_{0};
  std::atomic<std::uint64_t> lastCommitMicros_{0};
  std::atomic<bool> stopping_{false};
  std::thread poller_;  // serves delivery reports: last
};

}  // namespace auditstream
