#include "consumer/dead_letter_producer.h"

#include <chrono>
#include <thread>

#include "common/thread_name.h"

namespace auditstream {

struct DeadLetterProducer::State {
  std::string topic;
  Logger log;
  KafkaClientPtr producer;
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<bool> stopping{false};
  std::thread poller;  // last

  static void deliveryReport(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message, void* opaque) {
    auto* state = static_cast<State*>(opaque);
    std::unique_ptr<std::function<void()>> done(static_cast<std::function<void()>*>(message->_private));
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++state->delivered;
    } else {
      ++state->failed;
      state->log.error("dead letter not delivered",
                       {{"topic", state->topic}, {"error", rd_kafka_err2str(message->err)}});
    }
    (*done)();
  }
};

Result<std::unique_ptr<DeadLetterProducer>> DeadLetterProducer::create(KafkaProperties properties, std::string topic,
                                                                       Logger log) {
  properties.erase("group.id");
  properties["enable.idempotence"] = "true";
  properties["acks"] = "all";
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
    while (!raw->stopping.load()) rd_kafka_poll(raw->producer.get(), 100);
  });
  return std::unique_ptr<DeadLetterProducer>(new DeadLetterProducer(std::move(state)));
}

DeadLetterProducer::DeadLetterProducer(std::unique_ptr<State> state) : state_(std::move(state)) {}

DeadLetterProducer::~DeadLetterProducer() {
  state_->stopping = true;
  if (state_->poller.joinable()) state_->poller.join();
  rd_kafka_flush(state_->producer.get(), 10'000);
}

void DeadLetterProducer::send(std::string_view payload, const DeadLetterSource& source, const Rejection& rejection,
                              std::function<void()> done) {
  const std::string reason(rejectReasonName(rejection.reason));
  const std::string partition = std::to_string(source.partition);
  const std::string offset = std::to_string(source.offset);
  auto callback = std::make_unique<std::function<void()>>(std::move(done));
  while (true) {
    KafkaErrorPtr error = produceCopy(state_->producer.get(), state_->topic, {}, payload,
                                      {{"reject_reason", reason},
                                       {"reject_message", rejection.message},
                                       {"source_topic", source.topic},
                                       {"source_partition", partition},
                                       {"source_offset", offset},
                                       {"cluster", source.cluster}},
                                      callback.get());
    if (!error) {
      (void)callback.release();  // owned by the delivery report now
      return;
    }
    if (rd_kafka_error_code(error.get()) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // back-pressure, never a drop
      continue;
    }
    ++state_->failed;
    state_->log.error("dead letter refused", {{"topic", state_->topic}, {"error", rd_kafka_error_string(error.get())}});
    (*callback)();
    return;
  }
}

bool DeadLetterProducer::flush(std::chrono::milliseconds timeout) {
  return rd_kafka_flush(state_->producer.get(), static_cast<int>(timeout.count())) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

std::uint64_t DeadLetterProducer::delivered() const { return state_->delivered.load(); }
std::uint64_t DeadLetterProducer::failed() const { return state_->failed.load(); }

}  // namespace auditstream
