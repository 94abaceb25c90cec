#include "ingest/kafka_event_publisher.h"

#include <condition_variable>
#include <mutex>
#include <vector>

#include "common/thread_name.h"
#include "sinks/kafka_client.h"

namespace auditstream {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr auto kQueueFullPause = std::chrono::milliseconds(5);

}  // namespace

// One request's events in flight: the waiter and every message hold a reference; the last one frees it
// (a delivery report may come after the waiter gave up).
struct KafkaEventPublisher::Batch {
  std::mutex mutex;
  std::condition_variable settled;
  std::size_t pending = 0;
  std::size_t failed = 0;
  rd_kafka_resp_err_t firstError = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::atomic<std::size_t> references{1};

  void release() {
    if (references.fetch_sub(1) == 1) delete this;
  }
  void settle(rd_kafka_resp_err_t error) {
    {
      std::lock_guard lock(mutex);
      --pending;
      if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        ++failed;
        if (firstError == RD_KAFKA_RESP_ERR_NO_ERROR) firstError = error;
      }
    }
    settled.notify_all();
    release();
  }
};

KafkaEventPublisher::KafkaEventPublisher(const IngestConfig& config, Logger log)
    : config_(config), log_(std::move(log)) {}

Result<std::unique_ptr<KafkaEventPublisher>> KafkaEventPublisher::create(const IngestConfig& config, Logger log) {
  KafkaProperties properties = config.kafka;
  properties["enable.idempotence"] = "true";
  properties["acks"] = "all";
  properties["message.timeout.ms"] = std::to_string(config.produceTimeout.count());
  properties.try_emplace("linger.ms", "5");
  properties.try_emplace("compression.type", "lz4");
  properties.try_emplace("message.max.bytes", std::to_string(std::max<std::size_t>(config.maxEventBytes + 4096,
                                                                                   config.maxBodyBytes + 4096)));
  ASSIGN_OR_RETURN(KafkaConfPtr conf, makeKafkaConf(properties));
  rd_kafka_conf_set_dr_msg_cb(conf.get(), [](rd_kafka_t*, const rd_kafka_message_t* message, void*) {
    if (message->_private != nullptr) static_cast<Batch*>(message->_private)->settle(message->err);
  });
  auto publisher = std::unique_ptr<KafkaEventPublisher>(new KafkaEventPublisher(config, std::move(log)));
  ASSIGN_OR_RETURN(publisher->producer_, makeKafkaClient(RD_KAFKA_PRODUCER, std::move(conf)));
  KafkaEventPublisher* raw = publisher.get();
  publisher->poller_ = std::thread([raw] {
    nameThisThread("as-ingest-poll");
    while (!raw->stopping_.load()) rd_kafka_poll(raw->producer_.get(), 100);
  });
  return publisher;
}

KafkaEventPublisher::~KafkaEventPublisher() {
  if (producer_) rd_kafka_flush(producer_.get(), static_cast<int>(config_.produceTimeout.count()));
  stopping_ = true;
  if (poller_.joinable()) poller_.join();
  if (producer_) rd_kafka_poll(producer_.get(), 0);  // the last reports: their batches are freed
}

Status KafkaEventPublisher::publish(const std::string& topic, std::string_view cluster,
                                    std::span<const OutgoingEvent> events) {
  return produceAll(topic, cluster, events, {});
}

Status KafkaEventPublisher::deadLetter(std::string_view cluster, std::string_view body, std::string_view reason,
                                       std::size_t rejectedEvents) {
  const std::string count = std::to_string(rejectedEvents);
  const std::pair<const char*, std::string_view> headers[] = {{"reject_reason", reason}, {"rejected_events", count}};
  const OutgoingEvent whole[] = {{body, {}}};
  return produceAll(config_.deadLetterTopic, cluster, whole, headers);
}

Status KafkaEventPublisher::produceAll(const std::string& topic, std::string_view cluster,
                                       std::span<const OutgoingEvent> events,
                                       std::span<const std::pair<const char*, std::string_view>> extraHeaders) {
  Batch* batch = new Batch();
  const auto deadline = SteadyClock::now() + config_.produceTimeout;
  std::vector<KafkaHeader> headers = {{config_.clusterHeader.c_str(), cluster}};
  for (const auto& [name, value] : extraHeaders) headers.push_back({name, value});
  rd_kafka_resp_err_t refused = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (const OutgoingEvent& event : events) {
    {
      std::lock_guard lock(batch->mutex);
      ++batch->pending;
    }
    ++batch->references;
    while (true) {
      KafkaErrorPtr error = produceCopy(producer_.get(), topic, event.key, event.value, headers, batch);
      if (!error) break;
      const rd_kafka_resp_err_t code = rd_kafka_error_code(error.get());
      if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL && SteadyClock::now() < deadline) {
        std::this_thread::sleep_for(kQueueFullPause);  // the poller serves reports meanwhile
        continue;
      }
      refused = code;
      {
        std::lock_guard lock(batch->mutex);
        --batch->pending;
      }
      --batch->references;
      break;
    }
    if (refused != RD_KAFKA_RESP_ERR_NO_ERROR) break;
  }
  std::unique_lock lock(batch->mutex);
  batch->settled.wait_until(lock, deadline, [&] { return batch->pending == 0; });
  const std::size_t pending = batch->pending;
  const std::size_t failed = batch->failed;
  const rd_kafka_resp_err_t firstError = batch->firstError;
  lock.unlock();
  batch->release();
  if (refused != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return kafkaError("producing to " + topic, refused);
  }
  if (failed > 0) {
    return unavailable(std::to_string(failed) + " of " + std::to_string(events.size()) + " events to " + topic +
                       " failed: " + rd_kafka_err2str(firstError));
  }
  if (pending > 0) {
    return unavailable(std::to_string(pending) + " of " + std::to_string(events.size()) + " events to " + topic +
                       " not acknowledged within " + std::to_string(config_.produceTimeout.count()) + " ms");
  }
  return Status::ok();
}

Status KafkaEventPublisher::check(const std::vector<std::string>& topics, std::chrono::milliseconds timeout) const {
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t error =
      rd_kafka_metadata(producer_.get(), 1, nullptr, &metadata, static_cast<int>(timeout.count()));
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return unavailable(std::string("Kafka (") + config_.kafka.at("bootstrap.servers") +
                       ") did not answer a metadata request: " + rd_kafka_err2str(error));
  }
  std::string missing;
  for (const std::string& topic : topics) {
    bool found = false;
    for (int i = 0; i < metadata->topic_cnt; ++i) {
      if (topic == metadata->topics[i].topic && metadata->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) found = true;
    }
    if (!found) missing += (missing.empty() ? "" : ", ") + topic;
  }
  rd_kafka_metadata_destroy(metadata);
  if (!missing.empty()) return notFound("topics missing on the Kafka cluster: " + missing + " (create them first)");
  return Status::ok();
}

}  // namespace auditstream
