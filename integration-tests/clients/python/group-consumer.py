#!/usr/bin/python3
"""A consumer-group member for the group integration tests, with kafka-python 2.0 or
confluent-kafka 1.7 (librdkafka 2.0).

usage: group-consumer.py kafka-python|confluent-kafka BOOTSTRAP GROUP TOPIC [--assignor range]
       [--session-timeout-ms 6000] [--instance-id ID]

Subscribes to TOPIC, prints one JSON line per event on stdout and commits synchronously after
every batch it processed:
  {"event": "assigned", "partitions": [0, 1]}      after each rebalance
  {"event": "revoked"}
  {"event": "record", "partition": 0, "offset": 5}
  {"event": "committed", "offsets": {"0": 6}}
  {"event": "commit-failed", "error": "..."}       a commit the group refused (see below)
  {"event": "closed"}                               after a clean close (LeaveGroup), on SIGTERM

A commit fails, as for any consumer, when the member's generation is over: its session timed out
(the coordinator died, say) or the group rebalanced meanwhile (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION,
REBALANCE_IN_PROGRESS; Java's CommitFailedException). The member then carries on: it rejoins, and
whoever owns those partitions next resumes from the last committed offset. Only a fatal error ends it.
"""
import argparse
import json
import signal
import sys

running = True


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def stop(_signum, _frame):
    global running
    running = False


def run_kafka_python(a):
    from kafka import ConsumerRebalanceListener, KafkaConsumer
    from kafka.errors import CommitFailedError
    from kafka.coordinator.assignors.range import RangePartitionAssignor
    from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor

    class Listener(ConsumerRebalanceListener):
        def on_partitions_revoked(self, revoked):
            emit({"event": "revoked"})

        def on_partitions_assigned(self, assigned):
            emit({"event": "assigned", "partitions": sorted(tp.partition for tp in assigned)})

    assignor = RangePartitionAssignor if a.assignor == "range" else RoundRobinPartitionAssignor
    consumer = KafkaConsumer(
        bootstrap_servers=a.bootstrap, group_id=a.group, client_id="kafka-python-" + a.group,
        enable_auto_commit=False, auto_offset_reset="earliest",
        session_timeout_ms=a.session_timeout_ms, heartbeat_interval_ms=1000,
        partition_assignment_strategy=[assignor], metadata_max_age_ms=5000)
    consumer.subscribe([a.topic], listener=Listener())
    while running:
        batches = consumer.poll(timeout_ms=200)
        for tp, messages in batches.items():
            for m in messages:
                emit({"event": "record", "partition": tp.partition, "offset": m.offset})
        if batches:
            try:
                consumer.commit()
            except CommitFailedError as e:
                emit({"event": "commit-failed", "error": str(e)})
                continue
            emit({"event": "committed", "offsets": {str(tp.partition): consumer.position(tp) for tp in batches}})
    consumer.close()
    emit({"event": "closed"})


def run_confluent_kafka(a):
    from confluent_kafka import Consumer, KafkaException

    config = {
        "bootstrap.servers": a.bootstrap, "group.id": a.group, "client.id": "confluent-kafka-" + a.group,
        "enable.auto.commit": False, "auto.offset.reset": "earliest",
        "session.timeout.ms": a.session_timeout_ms, "heartbeat.interval.ms": 1000,
        "partition.assignment.strategy": a.assignor, "topic.metadata.refresh.interval.ms": 5000,
    }
    if a.instance_id:
        config["group.instance.id"] = a.instance_id
    consumer = Consumer(config)
    consumer.subscribe([a.topic],
                       on_assign=lambda c, ps: emit({"event": "assigned", "partitions": sorted(p.partition for p in ps)}),
                       on_revoke=lambda c, ps: emit({"event": "revoked"}))
    while running:
        messages = [m for m in consumer.consume(num_messages=500, timeout=0.2) if m.error() is None]
        for m in messages:
            emit({"event": "record", "partition": m.partition(), "offset": m.offset()})
        if messages:
            try:
                committed = consumer.commit(asynchronous=False)
            except KafkaException as e:
                if e.args[0].fatal():
                    raise
                emit({"event": "commit-failed", "error": str(e)})
                continue
            emit({"event": "committed", "offsets": {str(p.partition): p.offset for p in committed}})
    consumer.close()
    emit({"event": "closed"})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("client", choices=["kafka-python", "confluent-kafka"])
    p.add_argument("bootstrap")
    p.add_argument("group")
    p.add_argument("topic")
    p.add_argument("--assignor", default="range")
    p.add_argument("--session-timeout-ms", type=int, default=6000)
    p.add_argument("--instance-id", default=None)
    a = p.parse_args()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    (run_kafka_python if a.client == "kafka-python" else run_confluent_kafka)(a)


if __name__ == "__main__":
    main()
