"""Drives kafka-python 2.0.2 (Debian's python3-kafka) for the client integration tests.

    kafka_python_client.py produce BOOTSTRAP TOPIC [COMPRESSION] < records.jsonl
    kafka_python_client.py consume BOOTSTRAP TOPIC COUNT

produce reads one JSON record per line ({"key","value","headers","timestamp"}), sends them all
(default murmur2 partitioner, acks=1) and prints {"key","partition","offset"} per record in send
order. consume assigns every partition of TOPIC (no group), seeks to the beginning and prints
COUNT records as {"partition","offset","key","value","headers","timestamp"}.
Run it with /usr/bin/python3: the first python3 on PATH may lack the Debian modules.
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def text(b):
    return None if b is None else b.decode('utf-8')


def raw(s):
    return None if s is None else s.encode('utf-8')


def produce(bootstrap, topic, compression=None):
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=5, compression_type=compression,
                             client_id='kafka-python-integration-test')
    sent = []
    for line in sys.stdin:
        if not line.strip():
            continue
        r = json.loads(line)
        headers = [(k, raw(v)) for k, v in r['headers']]
        sent.append((r['key'], producer.send(topic, key=raw(r['key']), value=raw(r['value']), headers=headers,
                                             timestamp_ms=r['timestamp'])))
    producer.flush(timeout=15)
    for key, future in sent:
        md = future.get(timeout=15)
        print(json.dumps({'key': key, 'partition': md.partition, 'offset': md.offset}))
    producer.close(timeout=5)


def consume(bootstrap, topic, count):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             client_id='kafka-python-integration-test')
    deadline = time.monotonic() + 15
    partitions = consumer.partitions_for_topic(topic)
    while not partitions:
        if time.monotonic() > deadline:
            sys.exit('no partitions for ' + topic)
        consumer.poll(timeout_ms=100)
        partitions = consumer.partitions_for_topic(topic)
    tps = [TopicPartition(topic, p) for p in sorted(partitions)]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    got = 0
    while got < count:
        if time.monotonic() > deadline:
            sys.exit('read %d of %d records before the deadline' % (got, count))
        for tp, messages in consumer.poll(timeout_ms=500).items():
            for m in messages:
                print(json.dumps({'partition': m.partition, 'offset': m.offset, 'key': text(m.key), 'value': text(m.value),
                                  'headers': [[k, text(v)] for k, v in m.headers], 'timestamp': m.timestamp}))
                got += 1
    consumer.close(autocommit=False)


if __name__ == '__main__':
    mode, bootstrap, topic = sys.argv[1:4]
    if mode == 'produce':
        produce(bootstrap, topic, sys.argv[4] if len(sys.argv) > 4 else None)
    elif mode == 'consume':
        consume(bootstrap, topic, int(sys.argv[4]))
    else:
        sys.exit('unknown mode ' + mode)
