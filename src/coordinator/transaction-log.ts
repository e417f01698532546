/**
 * The records of __transaction_state in Kafka's format (TransactionLog.keyToBytes / valueToBytes):
 * key version 0 holding the transactional id, value version 0 with the producer id and epoch, the
 * timeout, the state's id, the partitions (null when Empty) and two timestamps. A null value is a
 * tombstone (a removed transactional id).
 */
import { decodeVersioned, encodeVersioned } from '../protocol/codec.js'
import { TransactionLogKey, TransactionLogValue } from '../protocol/messages/transaction-log-records.js'
import { Reader } from '../protocol/primitives/reader.js'
import type { RecordInput } from '../protocol/records/record.js'
import { partitionKey, stateName, TransactionState, type TopicPartitionRef, type TransactionMetadata } from './transaction-state.js'

export function transactionLogRecord (m: TransactionMetadata): RecordInput {
  const byTopic = new Map<string, number[]>()
  for (const tp of m.partitions.values()) {
    const list = byTopic.get(tp.topic)
    if (list === undefined) byTopic.set(tp.topic, [tp.partition])
    else list.push(tp.partition)
  }
  return {
    key: encodeVersioned(TransactionLogKey, 0, { transactionalId: m.transactionalId }),
    value: encodeVersioned(TransactionLogValue, 0, {
      producerId: m.producerId,
      producerEpoch: m.producerEpoch,
      transactionTimeoutMs: m.txnTimeoutMs,
      transactionStatus: TransactionState[m.state],
      transactionPartitions: m.state === 'Empty' ? null : [...byTopic].map(([topic, partitionIds]) => ({ topic, partitionIds })),
      transactionLastUpdateTimestampMs: m.txnLastUpdateTimestampMs,
      transactionStartTimestampMs: m.txnStartTimestampMs,
    }),
  }
}

/** The tombstone that removes an expired transactional id (compaction then drops its records). */
export function transactionLogTombstone (transactionalId: string): RecordInput {
  return { key: encodeVersioned(TransactionLogKey, 0, { transactionalId }), value: null }
}

/** A record read back: the id, and its metadata or null (tombstone). Throws on what is not a transaction log record. */
export function parseTransactionLogRecord (key: Buffer, value: Buffer | null): { transactionalId: string, metadata: TransactionMetadata | null } {
  const { value: k } = decodeVersioned(TransactionLogKey, new Reader(key))
  if (value === null) return { transactionalId: k.transactionalId, metadata: null }
  const { value: v } = decodeVersioned(TransactionLogValue, new Reader(value))
  const state = stateName(v.transactionStatus)
  if (state === undefined) throw new Error(`unknown transaction status ${v.transactionStatus}`)
  const partitions = new Map<string, TopicPartitionRef>()
  for (const t of v.transactionPartitions ?? []) {
    for (const partition of t.partitionIds) partitions.set(partitionKey({ topic: t.topic, partition }), { topic: t.topic, partition })
  }
  return {
    transactionalId: k.transactionalId,
    metadata: {
      transactionalId: k.transactionalId,
      producerId: v.producerId,
      producerEpoch: v.producerEpoch,
      txnTimeoutMs: v.transactionTimeoutMs,
      state,
      partitions,
      txnStartTimestampMs: v.transactionStartTimestampMs,
      txnLastUpdateTimestampMs: v.transactionLastUpdateTimestampMs,
    },
  }
}
