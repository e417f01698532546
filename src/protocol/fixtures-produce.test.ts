/**
 * Golden Produce frames of every client and format (fixtures/README.md): each carries the one record
 * its capture command sent, key 'k' and value 'hello', read with the decoder for its magic. Sarama's
 * cover the legacy message sets (v0 magic 0, v2 magic 1) and its v2 batch with maxTimestamp -1.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decode } from './codec.js'
import { readRequestHeader } from './header.js'
import { ProduceRequest } from './messages/produce.js'
import { Reader } from './primitives/reader.js'
import { decodeMessageSet, magicOf } from './records/legacy-message-set.js'
import { decodeRecordBatches, type ConsumerRecord } from './records/record.js'

const FIXTURES = fileURLToPath(new URL('../../../src/protocol/fixtures', import.meta.url))
const CAPTURED_AT = 1_700_000_000_000

const produceFrames = readdirSync(FIXTURES, { withFileTypes: true })
  .filter(d => d.isDirectory())
  .flatMap(d => readdirSync(join(FIXTURES, d.name)).filter(f => /^produce-v\d+\.bin$/.test(f)).map(f => join(d.name, f)))

test('Sarama and KafkaJS Produce captures are present', () => {
  for (const f of ['sarama/produce-v0.bin', 'sarama/produce-v2.bin', 'sarama/produce-v3.bin', 'kafkajs/produce-v7.bin']) {
    assert.ok(produceFrames.includes(f), f)
  }
})

for (const file of produceFrames) {
  test(`golden ${file} carries the produced record in the format of its version`, () => {
    const reader = new Reader(readFileSync(join(FIXTURES, file)))
    const header = readRequestHeader(reader)
    const request = decode(ProduceRequest, header.apiVersion, reader)
    const records = request.topicData[0]!.partitionData[0]!.records!
    const magic = magicOf(records)
    assert.equal(magic, header.apiVersion >= 3 ? 2 : header.apiVersion === 2 ? 1 : 0, 'Produce v0-1 carry magic 0, v2 magic 1, v3+ record batches')
    const decoded: ConsumerRecord[] = magic === 2 ? decodeRecordBatches(records).flatMap(b => b.records) : decodeMessageSet(records)
    assert.equal(decoded.length, 1)
    const [record] = decoded
    assert.equal(record!.key?.toString(), 'k')
    assert.equal(record!.value?.toString(), 'hello')
    if (file.startsWith('sarama/') || file.startsWith('kafkajs/')) {
      assert.equal(record!.timestamp, magic === 0 ? -1 : CAPTURED_AT, 'the timestamp sent, where the format has one')
      if (magic === 2) assert.deepEqual(record!.headers.map(h => [h.key, h.value?.toString()]), [['h', 'v']])
    }
  })
}

test('Sarama 1.22 sends v2 batches with partitionLeaderEpoch 0 and maxTimestamp -1 (as produce_set.go in Sarama 1.22 builds them)', () => {
  const reader = new Reader(readFileSync(join(FIXTURES, 'sarama/produce-v3.bin')))
  readRequestHeader(reader)
  const request = decode(ProduceRequest, 3, reader)
  const [batch] = decodeRecordBatches(request.topicData[0]!.partitionData[0]!.records!)
  assert.equal(batch!.partitionLeaderEpoch, 0)
  assert.equal(batch!.maxTimestamp, -1)
  assert.equal(batch!.baseTimestamp, CAPTURED_AT)
})
