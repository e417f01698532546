/**
 * Golden bytes: request frames captured from real clients (fixtures/README.md) must decode and
 * re-encode byte for byte. The .bin files are not compiled, so they are read from the source tree.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decode, encode } from './codec.js'
import { readRequestHeader, writeRequestHeader } from './header.js'
import { messagesFor } from './messages/index.js'
import { ProduceRequest } from './messages/produce.js'
import { Reader } from './primitives/reader.js'
import { Writer } from './primitives/writer.js'
import { decodeRecordBatches } from './records/record.js'

// dist/src/protocol -> src/protocol/fixtures
const FIXTURES = fileURLToPath(new URL('../../../src/protocol/fixtures', import.meta.url))

const files = readdirSync(FIXTURES, { withFileTypes: true })
  .filter(d => d.isDirectory())
  .flatMap(d => readdirSync(join(FIXTURES, d.name)).filter(f => f.endsWith('.bin')).map(f => join(d.name, f)))

test('the minimum set of client captures is present', () => {
  for (const f of ['kcat/api-versions-v3.bin', 'kcat/metadata-v4.bin', 'kafka-python/api-versions-v0.bin', 'kafka-python/metadata-v0.bin']) {
    assert.ok(files.includes(f), f)
  }
})

for (const file of files) {
  test(`golden ${file}: decodes and re-encodes byte for byte`, () => {
    const frame = readFileSync(join(FIXTURES, file))
    const reader = new Reader(frame)
    const header = readRequestHeader(reader)
    assert.match(file, new RegExp(`-v${header.apiVersion}\\.bin$`))
    const messages = messagesFor(header.apiKey)
    assert.ok(messages, `api key ${header.apiKey} is registered`)
    const body = decode(messages.request, header.apiVersion, reader)
    assert.equal(reader.remaining, 0)
    const writer = writeRequestHeader(new Writer(), header)
    encode(messages.request, header.apiVersion, body as never, writer)
    assert.deepEqual(writer.toBuffer(), frame)
  })
}

test('golden Produce frames carry a v2 batch with the produced record', () => {
  for (const file of files.filter(f => f.endsWith('produce-v7.bin'))) {
    const reader = new Reader(readFileSync(join(FIXTURES, file)))
    readRequestHeader(reader)
    const request = decode(ProduceRequest, 7, reader)
    const records = request.topicData[0]!.partitionData[0]!.records!
    const [batch] = decodeRecordBatches(records)
    assert.equal(batch!.records[0]!.key!.toString(), 'k', file)
    assert.equal(batch!.records[0]!.value!.toString(), 'hello', file)
  }
})
