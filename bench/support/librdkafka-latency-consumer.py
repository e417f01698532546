"""End-to-end latency as librdkafka's consumer sees it (confluent-kafka-python, Debian's).

Reads `count` records of one partition from its start and prints, as JSON, each record's latency
in ms (`latencies`: when poll() handed it over minus its CreateTime, stamped by the producing
librdkafka) and the span of those CreateTimes (`producedMs`), which gives the rate the records
were really produced at. Prints "ready" on stderr once the partition is assigned and fetching, so
the bench starts its producer only then.

    python3 librdkafka-latency-consumer.py <bootstrap> <topic> <count>
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, TopicPartition, OFFSET_BEGINNING

bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
consumer = Consumer({
    'bootstrap.servers': bootstrap,
    'group.id': 'latency-bench',  # required by the client; nothing is committed
    'enable.auto.commit': False,
    'fetch.wait.max.ms': 100,
    'enable.partition.eof': True,
})
consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
latencies = []
first = last = None
ready = False
while len(latencies) < count:
    # poll(), not consume(n): consume waits for n records or its timeout, which would be the latency measured
    message = consumer.poll(1.0)
    if message is None:
        continue
    now = time.time() * 1000
    if message.error() is not None:
        if message.error().code() != KafkaError._PARTITION_EOF:
            raise SystemExit(f'consume failed: {message.error()}')
        if not ready:  # the first end-of-partition: assigned, fetched once, waiting for records
            ready = True
            print('ready', file=sys.stderr, flush=True)
        continue
    created = message.timestamp()[1]
    first = created if first is None else first
    last = created
    latencies.append(round(now - created, 3))
consumer.close()
json.dump({'latencies': latencies, 'producedMs': last - first}, sys.stdout)
