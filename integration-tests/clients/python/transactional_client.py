"""Drives confluent-kafka-python (librdkafka) transactions for the transactions integration tests.

    transactional_client.py ctp BOOTSTRAP IN OUT GROUP TXN_ID TXNS PER_TXN
    transactional_client.py read BOOTSTRAP TOPIC ISOLATION
    transactional_client.py fence BOOTSTRAP TOPIC TXN_ID

ctp: a consume-transform-produce loop. The consumer (group GROUP, read_committed, no auto commit)
reads IN from the start; TXNS transactions each take PER_TXN records, produce "out-<value>" to
OUT, send the consumer's positions with send_offsets_to_transaction, and commit (even ones) or
abort (odd ones). After an abort the consumer seeks back to the committed offsets, so the next
transaction takes the same records again. Prints one JSON line per transaction
{"txn","committed","values"} and finally {"committed_offsets": {partition: offset}}.
read: every record of TOPIC partition 0 from the beginning up to the end (the LSO for
read_committed), as one JSON line {"values": [...]}; ISOLATION is read_committed or read_uncommitted.
fence: a first producer starts a transaction and sends a record; a second one with the same
transactional.id calls init_transactions; the first one's commit must then fail as fenced.
Prints {"first_commit_error": name, "fatal": bool, "second_committed": bool}.
"""
import json
import sys

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


def read(bootstrap, topic, isolation):
    consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'reader', 'enable.auto.commit': False,
                         'isolation.level': isolation, 'enable.partition.eof': True})
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    values = []
    while True:
        msg = consumer.poll(15)
        if msg is None:
            raise RuntimeError('no end of partition within 15 s')
        if msg.error():
            if msg.error().code() == -191:  # _PARTITION_EOF
                break
            raise KafkaException(msg.error())
        values.append(msg.value().decode())
    print(json.dumps({'values': values}), flush=True)
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


if __name__ == '__main__':
    command, args = sys.argv[1], sys.argv[2:]
    if command == 'ctp':
        ctp(args[0], args[1], args[2], args[3], args[4], int(args[5]), int(args[6]))
    elif command == 'read':
        read(args[0], args[1], args[2])
    elif command == 'fence':
        fence(args[0], args[1], args[2])
    else:
        sys.exit('unknown command ' + command)
