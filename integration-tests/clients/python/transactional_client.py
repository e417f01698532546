"""Drives confluent-kafka-python (librdkafka) transactions for the transactions integration tests.

    transactional_client.py ctp BOOTSTRAP IN OUT GROUP TXN_ID TXNS PER_TXN
    transactional_client.py read BOOTSTRAP TOPIC ISOLATION [PARTITIONS]
    transactional_client.py fence BOOTSTRAP TOPIC TXN_ID
    transactional_client.py loop BOOTSTRAP TOPIC PARTITIONS TXN_ID PER_TXN

ctp: a consume-transform-produce loop. The consumer (group GROUP, read_committed, no auto commit)
reads IN from the start; TXNS transactions each take PER_TXN records, produce "out-<value>" to
OUT, send the consumer's positions with send_offsets_to_transaction, and commit (even ones) or
abort (odd ones). After an abort the consumer seeks back to the committed offsets, so the next
transaction takes the same records again. Prints one JSON line per transaction
{"txn","committed","values"} and finally {"committed_offsets": {partition: offset}}.
read: every record of TOPIC partitions 0..PARTITIONS-1 (default 1) from the beginning up to the end
(the LSO for read_committed), as one JSON line {"values": [...]}, partition after partition;
ISOLATION is read_committed or read_uncommitted.
fence: a first producer starts a transaction and sends a record; a second one with the same
transactional.id calls init_transactions; the first one's commit must then fail as fenced.
Prints {"first_commit_error": name, "fatal": bool, "second_committed": bool}.
loop: transactions until stdin closes, each of PER_TXN records "t<txn>-<i>" spread over TOPIC's
PARTITIONS, two committed then one aborted (after a flush), handling errors as librdkafka's transactional API
requires: a retriable error retries the call, an abortable one aborts, a fatal one (or a failed
abort) replaces the producer, whose init_transactions ends the transaction either way. Prints one
JSON line per transaction {"txn", "outcome": "committed" | "aborted" | "unknown", "error"}; unknown
when the producer was replaced and the transaction may have ended either way.
"""
import json
import sys
import threading

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Producer, TopicPartition


def ctp(bootstrap, in_topic, out_topic, group, txn_id, txns, per_txn):
    consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': False,
                         'auto.offset.reset': 'earliest', 'isolation.level': 'read_committed'})
    producer = Producer({'bootstrap.servers': bootstrap, 'transactional.id': txn_id, 'transaction.timeout.ms': 60000})
    producer.init_transactions(30)
    consumer.assign([TopicPartition(in_topic, 0)])
    for txn in range(txns):
        records = []
        while len(records) < per_txn:
            msg = consumer.poll(10)
            if msg is None:
                raise RuntimeError('no input record within 10 s')
            if msg.error():
                continue
            records.append(msg)
        producer.begin_transaction()
        values = []
        for msg in records:
            value = 'out-' + msg.value().decode()
            values.append(value)
            producer.produce(out_topic, value=value.encode(), partition=0)
        producer.send_offsets_to_transaction(consumer.position(consumer.assignment()), consumer.consumer_group_metadata(), 30)
        commit = txn % 2 == 0
        # abort_transaction purges what is still queued: flush, so that aborted records reach the log too
        producer.flush(30)
        if commit:
            producer.commit_transaction(30)
        else:
            producer.abort_transaction(30)
            committed = consumer.committed([TopicPartition(in_topic, 0)], 10)
            offset = committed[0].offset if committed[0].offset >= 0 else 0
            consumer.seek(TopicPartition(in_topic, 0, offset))
        print(json.dumps({'txn': txn, 'committed': commit, 'values': values}), flush=True)
    committed = consumer.committed([TopicPartition(in_topic, 0)], 10)
    print(json.dumps({'committed_offsets': {str(tp.partition): tp.offset for tp in committed}}), flush=True)
    consumer.close()


def read(bootstrap, topic, isolation, partitions=1):
    consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'reader', 'enable.auto.commit': False,
                         'isolation.level': isolation, 'enable.partition.eof': True})
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
    values = {p: [] for p in range(partitions)}
    at_end = set()
    while len(at_end) < partitions:
        msg = consumer.poll(15)
        if msg is None:
            raise RuntimeError('no end of partition within 15 s')
        if msg.error():
            if msg.error().code() == -191:  # _PARTITION_EOF
                at_end.add(msg.partition())
                continue
            raise KafkaException(msg.error())
        values[msg.partition()].append(msg.value().decode())
    print(json.dumps({'values': [v for p in range(partitions) for v in values[p]]}), flush=True)
    consumer.close()


def fence(bootstrap, topic, txn_id):
    first = Producer({'bootstrap.servers': bootstrap, 'transactional.id': txn_id})
    first.init_transactions(30)
    first.begin_transaction()
    first.produce(topic, value=b'zombie', partition=0)
    first.flush(10)
    second = Producer({'bootstrap.servers': bootstrap, 'transactional.id': txn_id})
    second.init_transactions(30)
    error, fatal = None, False
    try:
        first.commit_transaction(30)
    except KafkaException as e:
        error, fatal = e.args[0].name(), e.args[0].fatal()
    second.begin_transaction()
    second.produce(topic, value=b'second', partition=0)
    second.commit_transaction(30)
    print(json.dumps({'first_commit_error': error, 'fatal': fatal, 'second_committed': True}), flush=True)


def retrying(call):
    """Calls `call` until it does not fail with a retriable error (librdkafka's rule for commit and abort)."""
    while True:
        try:
            return call()
        except KafkaException as e:
            if not e.args[0].retriable():
                raise


def loop(bootstrap, topic, partitions, txn_id, per_txn):
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()

    def new_producer():
        producer = Producer({'bootstrap.servers': bootstrap, 'transactional.id': txn_id, 'transaction.timeout.ms': 60000})
        retrying(lambda: producer.init_transactions(30))
        return producer

    producer = new_producer()
    txn = 0
    while not stop.is_set():
        commit = txn % 3 != 2
        outcome, error = None, None
        try:
            producer.begin_transaction()
            for i in range(per_txn):
                producer.produce(topic, value=('t%d-%d' % (txn, i)).encode(), partition=i % partitions)
            if commit:
                retrying(lambda: producer.commit_transaction(30))
                outcome = 'committed'
            else:
                # Flushed first, so the aborted records reach the log (read_committed must skip them), and
                # so that the partitions are added before EndTxn: librdkafka sends EndTxn(abort) while an
                # AddPartitionsToTxn is unanswered or was refused with CONCURRENT_TRANSACTIONS, and the
                # coordinator, as Kafka's, answers INVALID_TXN_STATE (fatal) when the transaction never began.
                producer.flush(30)
                retrying(lambda: producer.abort_transaction(30))
                outcome = 'aborted'
        except KafkaException as e:
            error = e.args[0].name() + ': ' + e.args[0].str()
            if e.args[0].txn_requires_abort():
                try:
                    retrying(lambda: producer.abort_transaction(30))
                    outcome = 'aborted'
                except KafkaException as abort_error:
                    error += ', then ' + abort_error.args[0].name() + ': ' + abort_error.args[0].str()
            if outcome is None:
                outcome = 'unknown'
                producer = new_producer()
        print(json.dumps({'txn': txn, 'outcome': outcome, 'error': error}), flush=True)
        txn += 1


if __name__ == '__main__':
    command, args = sys.argv[1], sys.argv[2:]
    if command == 'ctp':
        ctp(args[0], args[1], args[2], args[3], args[4], int(args[5]), int(args[6]))
    elif command == 'read':
        read(args[0], args[1], args[2], int(args[3]) if len(args) > 3 else 1)
    elif command == 'fence':
        fence(args[0], args[1], args[2])
    elif command == 'loop':
        loop(args[0], args[1], int(args[2]), args[3], int(args[4]))
    else:
        sys.exit('unknown command ' + command)
