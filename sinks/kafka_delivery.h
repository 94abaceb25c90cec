// KafkaDelivery: what a produced message's delivery report goes back to. Every message the project
// produces carries a KafkaDelivery as its opaque, so one producer handle can serve several writers (the
// alerts sink, the signals, the changelog and the dead letters share the transactional producer in
// exactly-once mode): the handle's delivery-report callback, routeKafkaDelivery, hands each report to
// the message's own writer.
//
// reported() runs on whichever thread serves the handle's reports (rd_kafka_poll / rd_kafka_flush).
#pragma once

#include <librdkafka/rdkafka.h>
#include <memory>

namespace auditstream {

class KafkaDelivery {
 public:
  virtual void reported(const rd_kafka_message_t& message) = 0;

 protected:
  KafkaDelivery() = default;
  ~KafkaDelivery() = default;
  KafkaDelivery(const KafkaDelivery&) = default;
  KafkaDelivery& operator=(const KafkaDelivery&) = default;
};

// The delivery-report callback of every producer handle (rd_kafka_conf_set_dr_msg_cb).
inline void routeKafkaDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message, void* /*opaque*/) {
  if (message->_private != nullptr) static_cast<KafkaDelivery*>(message->_private)->reported(*message);
}

// A producer handle several writers share; it goes with the last of them.
using SharedKafkaProducer = std::shared_ptr<rd_kafka_t>;

}  // namespace auditstream
