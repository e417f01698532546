"""Drives confluent-kafka-python 1.7.0 (Debian's python3-confluent-kafka, librdkafka 2.0.2) for the
client integration tests.

    confluent_kafka_client.py produce BOOTSTRAP TOPIC [COMPRESSION|idempotent] < records.jsonl
    confluent_kafka_client.py consume BOOTSTRAP TOPIC COUNT
    confluent_kafka_client.py deliver BOOTSTRAP ACKS < targets.jsonl
    confluent_kafka_client.py stream BOOTSTRAP TOPIC RATE
    confluent_kafka_client.py group-consume BOOTSTRAP TOPIC GROUP COUNT

produce reads one JSON record per line ({"key","value","headers","timestamp"}), sends them all
(librdkafka's default consistent_random partitioner, acks=1; with 'idempotent',
enable.idempotence=true, which makes it acks=all with retries) and prints
{"key","partition","offset"} per record in send order. consume assigns every partition at OFFSET_BEGINNING (no subscribe, no
commits) and prints COUNT records as {"partition","offset","key","value","headers","timestamp"}.
deliver sends one record per line ({"topic","partition","value"}), one at a time and without
retries, and prints {"topic","partition","value","offset","error"} per record, error being the
Kafka error's name (e.g. KAFKA_STORAGE_ERROR) or null; failed deliveries do not fail the run.
stream sends "v0", "v1" ... to partition 0 at RATE records/s with enable.idempotence=true (acks=all,
unlimited retries within a 120 s delivery timeout) until its stdin closes, prints
{"value","offset","error"} per delivery report as it arrives, and flushes before exiting.
group-consume subscribes to TOPIC in GROUP, reads COUNT records from the beginning, commits them
and prints {"values": [...], "error": null}, or {"values": [...], "error": NAME} for the first
error the consumer reports (e.g. GROUP_AUTHORIZATION_FAILED) or a failed commit.
metadata lists the topics, or exits with the errors librdkafka reported (e.g. a SASL authentication
failure). KAFKA_CLIENT_CONFIG (a JSON object of librdkafka properties: security.protocol,
sasl.*, ssl.*) is added to every client's config.
Run it with /usr/bin/python3: the first python3 on PATH may lack the Debian modules.
"""
import json
import os
import sys
import threading
import time

from confluent_kafka import OFFSET_BEGINNING, TIMESTAMP_NOT_AVAILABLE, Consumer, Producer, TopicPartition


EXTRA = json.loads(os.environ.get('KAFKA_CLIENT_CONFIG', '{}'))


def text(b):
    return None if b is None else b.decode('utf-8')


def raw(s):
    return None if s is None else s.encode('utf-8')


def produce(bootstrap, topic, option=None):
    config = {'bootstrap.servers': bootstrap, 'acks': 1, 'linger.ms': 5, 'client.id': 'confluent-kafka-integration-test'}
    if option == 'idempotent':
        config['enable.idempotence'] = True
        del config['acks']
    elif option:
        config['compression.codec'] = option
    producer = Producer({**config, **EXTRA})
    reports = []
    errors = []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(str(err))

    for line in sys.stdin:
        if not line.strip():
            continue
        r = json.loads(line)
        report = {'key': r['key']}
        reports.append(report)

        def delivered(err, msg, report=report):
            on_delivery(err, msg)
            report['partition'], report['offset'] = msg.partition(), msg.offset()

        producer.produce(topic, key=raw(r['key']), value=raw(r['value']), headers=[(k, raw(v)) for k, v in r['headers']],
                         timestamp=r['timestamp'], on_delivery=delivered)
        producer.poll(0)
    if producer.flush(15) != 0:
        sys.exit('records still undelivered after 15 s')
    if errors:
        sys.exit('delivery failed: ' + '; '.join(errors))
    for report in reports:
        print(json.dumps(report))


def consume(bootstrap, topic, count):
    # group.id is required by the Python binding; with assign() and no commits it is only a label.
    consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'assign-only', 'enable.auto.commit': False,
                         'enable.auto.offset.store': False, 'client.id': 'confluent-kafka-integration-test', **EXTRA})
    metadata = consumer.list_topics(topic, timeout=10)
    partitions = sorted(metadata.topics[topic].partitions)
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    deadline = time.monotonic() + 15
    got = 0
    while got < count:
        if time.monotonic() > deadline:
            sys.exit('read %d of %d records before the deadline' % (got, count))
        m = consumer.poll(0.5)
        if m is None:
            continue
        if m.error() is not None:
            sys.exit('consume error: %s' % m.error())
        ts_type, ts = m.timestamp()
        print(json.dumps({'partition': m.partition(), 'offset': m.offset(), 'key': text(m.key()), 'value': text(m.value()),
                          'headers': [[k, text(v)] for k, v in (m.headers() or [])],
                          'timestamp': -1 if ts_type == TIMESTAMP_NOT_AVAILABLE else ts}))
        got += 1
    consumer.close()


def deliver(bootstrap, acks):
    producer = Producer({'bootstrap.servers': bootstrap, 'acks': int(acks), 'message.send.max.retries': 0,
                         'client.id': 'confluent-kafka-integration-test', **EXTRA})
    for line in sys.stdin:
        if not line.strip():
            continue
        r = json.loads(line)
        report = {'topic': r['topic'], 'partition': r['partition'], 'value': r['value'], 'offset': -1, 'error': None}

        def delivered(err, msg, report=report):
            if err is not None:
                report['error'] = err.name()
            else:
                report['offset'] = msg.offset()

        producer.produce(r['topic'], value=raw(r['value']), partition=r['partition'], on_delivery=delivered)
        if producer.flush(15) != 0:
            sys.exit('record still undelivered after 15 s: ' + line.strip())
        print(json.dumps(report))


def stream(bootstrap, topic, rate):
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    producer = Producer({'bootstrap.servers': bootstrap, 'enable.idempotence': True, 'linger.ms': 5,
                         'message.timeout.ms': 120000, 'client.id': 'confluent-kafka-integration-test'})

    def delivered(err, msg):
        print(json.dumps({'value': text(msg.value()), 'offset': msg.offset() if err is None else -1,
                          'error': None if err is None else err.name()}), flush=True)

    start = time.monotonic()
    i = 0
    while not stop.is_set():
        ahead = start + i / rate - time.monotonic()
        if ahead > 0:
            producer.poll(ahead)
        while True:
            try:
                producer.produce(topic, value=raw('v%d' % i), partition=0, on_delivery=delivered)
                break
            except BufferError:  # the queue is full while a leader is down: wait for deliveries
                producer.poll(0.1)
        producer.poll(0)
        i += 1
    if producer.flush(130) != 0:
        sys.exit('records still undelivered after 130 s')


def group_consume(bootstrap, topic, group, count):
    from confluent_kafka import KafkaException
    consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'auto.offset.reset': 'earliest',
                         'enable.auto.commit': False, 'client.id': 'confluent-kafka-integration-test', **EXTRA})
    consumer.subscribe([topic])
    values = []
    error = None
    deadline = time.monotonic() + 20
    while len(values) < count and error is None:
        if time.monotonic() > deadline:
            sys.exit('read %d of %d records before the deadline' % (len(values), count))
        m = consumer.poll(0.5)
        if m is None:
            continue
        if m.error() is not None:
            error = m.error().name()
            break
        values.append(text(m.value()))
    if error is None:
        try:
            consumer.commit(asynchronous=False)
        except KafkaException as e:
            error = e.args[0].name()
    consumer.close()
    print(json.dumps({'values': values, 'error': error}))


def metadata(bootstrap):
    errors = []
    producer = Producer({'bootstrap.servers': bootstrap, 'error_cb': lambda err: errors.append(str(err)), **EXTRA})
    try:
        topics = producer.list_topics(timeout=5).topics
    except Exception as e:
        sys.exit('; '.join(errors + [str(e)]))
    print(json.dumps(sorted(topics)))


if __name__ == '__main__':
    if sys.argv[1] == 'metadata':
        metadata(sys.argv[2])
        sys.exit(0)
    mode, bootstrap, topic = sys.argv[1:4]
    if mode == 'produce':
        produce(bootstrap, topic, sys.argv[4] if len(sys.argv) > 4 else None)
    elif mode == 'consume':
        consume(bootstrap, topic, int(sys.argv[4]))
    elif mode == 'deliver':
        deliver(bootstrap, sys.argv[3])
    elif mode == 'group-consume':
        group_consume(bootstrap, topic, sys.argv[4], int(sys.argv[5]))
    elif mode == 'stream':
        stream(bootstrap, topic, float(sys.argv[4]))
    else:
        sys.exit('unknown mode ' + mode)
