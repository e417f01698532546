/**
 * Transaction markers (Kafka's EndTransactionMarker and ControlRecordType): a control batch of the
 * transaction's producer id and epoch holding one record whose key is (version int16 0, type
 * int16: 0 ABORT, 1 COMMIT) and whose value is (version int16 0, coordinator_epoch int32). Only
 * partition leaders write them, asked by the transaction coordinator (WriteTxnMarkers).
 */
import { buildRecordBatch, decodeRecordBatch } from './record.js'
import type { RecordBatch } from './record-batch.js'

export const ControlRecordType = { ABORT: 0, COMMIT: 1 } as const

export interface EndTransactionMarker { commit: boolean, coordinatorEpoch: number }

/** A control batch holding one marker, offsets from 0 (the leader assigns them). */
export function buildEndTransactionMarker (producerId: number, producerEpoch: number, marker: EndTransactionMarker, timestamp: number): Buffer {
  const key = Buffer.alloc(4)
  key.writeInt16BE(0, 0)
  key.writeInt16BE(marker.commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, 2)
  const value = Buffer.alloc(6)
  value.writeInt16BE(0, 0)
  value.writeInt32BE(marker.coordinatorEpoch, 2)
  return buildRecordBatch({ records: [{ key, value }], baseTimestamp: timestamp, transactional: true, control: true, producerId, producerEpoch, baseSequence: -1 })
}

/**
 * The marker of a control batch, or null for another control record type (Kafka skips those) or
 * one too short to read. The batch is decoded: markers are one small record, and rare.
 */
export function readEndTransactionMarker (batch: RecordBatch): EndTransactionMarker | null {
  const record = decodeRecordBatch(batch.buffer.subarray(batch.position, batch.position + batch.sizeInBytes), undefined, false).records[0]
  if (record?.key == null || record.key.length < 4) return null
  const type = record.key.readInt16BE(2)
  if (type !== ControlRecordType.ABORT && type !== ControlRecordType.COMMIT) return null
  const coordinatorEpoch = record.value !== null && record.value.length >= 6 ? record.value.readInt32BE(2) : -1
  return { commit: type === ControlRecordType.COMMIT, coordinatorEpoch }
}
