import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { writeRequestHeader } from '../src/protocol/header.js'
import { ApiVersionsRequest, ApiVersionsResponse } from '../src/protocol/messages/api-versions.js'
import { FetchRequest, FetchResponse } from '../src/protocol/messages/fetch.js'
import { apiMessages } from '../src/protocol/messages/index.js'
import { MetadataRequest, MetadataResponse } from '../src/protocol/messages/metadata.js'
import { ProduceRequest, ProduceResponse } from '../src/protocol/messages/produce.js'
import { Writer } from '../src/protocol/primitives/writer.js'
import { buildRecordBatch } from '../src/protocol/records/record.js'
import { startCluster } from './support/cluster.js'
import { waitForTopic, WireConnection } from './support/wire-connection.js'
import { createTopic } from './support/admin.js'

const SEED = Number(process.env.FUZZ_SEED ?? randomInt(2 ** 31))
const WORKERS = 4
const RANDOM_FRAMES = 300
const ANSWER_OR_CLOSE_MS = 5_000
const MAX_REQUEST_BYTES = 1 << 20

test(`fuzzed frames (seed ${SEED}): each connection is answered or closed; a good client is served throughout; the broker never exits`, async t => {
  const cluster = await startCluster({ brokers: 1, config: { 'socket.request.max.bytes': MAX_REQUEST_BYTES } })
  t.after(cluster.cleanup)
  const broker = cluster.broker(1)
  const pid = broker.pid!
  await createTopic(cluster.bootstrap, 'steady', { partitions: 1 })
  await waitForTopic(cluster.bootstrap, 'steady', 1)

  const random = mulberry32(SEED)
  const cases = [...garbageBodies(random), ...randomFrames(random), ...oversizedFrames(random)]
  const stopGoodClient = new AbortController()
  // Settled into a value at once: a failure of the good client is reported below, not as an unhandled rejection.
  const goodClient = serveWellBehavedClient(cluster.bootstrap, stopGoodClient.signal).then(served => ({ served }), (error: Error) => ({ error }))

  const outcomes = { answered: 0, closed: 0, truncated: 0 }
  const queue = [...cases]
  await Promise.all(Array.from({ length: WORKERS }, async () => {
    let conn: WireConnection | undefined
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
      conn ??= await WireConnection.open(cluster.bootstrap)
      conn.writeRaw(c.bytes)
      if (c.truncated) {
        // The broker is owed more bytes than will ever come: it waits, and our close must not upset it.
        conn.close()
        conn = undefined
        outcomes.truncated++
        continue
      }
      const outcome = await answerOrClose(conn, c.correlationId, `${c.name} (seed ${SEED})`)
      outcomes[outcome]++
      if (outcome === 'closed') conn = undefined
    }
    conn?.close()
  }))

  stopGoodClient.abort()
  const good = await goodClient
  if ('error' in good) throw new Error(`the well-behaved client failed during the fuzzing: ${good.error.message}`, { cause: good.error })
  const { served } = good
  assert.ok(served > 0, 'the well-behaved client was served during the fuzzing')
  assert.ok(outcomes.answered > 0 && outcomes.closed > 0, `some frames were answered, some connections closed: ${JSON.stringify(outcomes)}`)
  assert.ok(broker.running, `the broker is still running:\n${broker.tail()}`)
  assert.doesNotThrow(() => process.kill(pid, 0), `PID ${pid} is alive`)
  assert.equal(broker.pid, pid, 'same process as at the start')
  const fatal = broker.lines.filter(l => /fatal/i.test(l))
  assert.deepEqual(fatal, [], 'no fatal log lines')
  t.diagnostic(`${cases.length} fuzz cases: ${JSON.stringify(outcomes)}; good client requests served: ${served}`)
})

interface FuzzCase { name: string, bytes: Buffer, correlationId: number | undefined, truncated: boolean }

/** A valid request header for every api key and version the broker knows (and some it does not) with a garbage body. */
function * garbageBodies (random: () => number): Generator<FuzzCase> {
  let correlationId = 1000
  const keys = apiMessages.map(m => ({ apiKey: m.apiKey, versions: range(m.request.validVersions.min, m.request.validVersions.max + 1) }))
  keys.push({ apiKey: 999, versions: [0] }, { apiKey: 3, versions: [99] }, { apiKey: -1, versions: [0] })
  for (const { apiKey, versions } of keys) {
    for (const apiVersion of versions) {
      for (const bodyLength of [0, 1 + Math.floor(random() * 7), 8 + Math.floor(random() * 200)]) {
        const id = ++correlationId
        // header v1 (clientId) parses for every version: flexible ones then read the body as tagged fields
        const header = writeRequestHeader(new Writer(), { apiKey, apiVersion, correlationId: id, clientId: 'fuzz' }, 1).toBuffer()
        yield { name: `api ${apiKey} v${apiVersion} with ${bodyLength} garbage bytes`, bytes: frame(Buffer.concat([header, randomBytes(random, bodyLength)])), correlationId: id, truncated: false }
      }
    }
  }
}

/** Random bytes with a size prefix that matches, and valid-looking frames cut short. */
function * randomFrames (random: () => number): Generator<FuzzCase> {
  for (let i = 0; i < RANDOM_FRAMES; i++) {
    const body = randomBytes(random, 1 + Math.floor(random() * 512))
    if (i % 3 === 2) {
      const full = frame(body)
      yield { name: `frame of ${body.length} bytes cut short`, bytes: full.subarray(0, 1 + Math.floor(random() * (full.length - 1))), correlationId: undefined, truncated: true }
    } else {
      yield { name: `random frame of ${body.length} bytes`, bytes: frame(body), correlationId: body.length >= 8 ? body.readInt32BE(4) : undefined, truncated: false }
    }
  }
}

/** Size prefixes the broker must refuse outright: negative, zero, above socket.request.max.bytes. */
function * oversizedFrames (random: () => number): Generator<FuzzCase> {
  for (const size of [-1, -2147483648, 0, MAX_REQUEST_BYTES + 1, 2147483647]) {
    const prefix = Buffer.alloc(4)
    prefix.writeInt32BE(size)
    yield { name: `size prefix ${size}`, bytes: Buffer.concat([prefix, randomBytes(random, 64)]), correlationId: undefined, truncated: false }
  }
}

/** 'answered' if a response with our correlation id came back, 'closed' if the broker closed; fails on silence or a stray answer. */
async function answerOrClose (conn: WireConnection, correlationId: number | undefined, what: string): Promise<'answered' | 'closed'> {
  try {
    const response = await conn.readFrame(ANSWER_OR_CLOSE_MS, `an answer to, or the close after, ${what}`)
    if (correlationId !== undefined) assert.equal(response.readInt32BE(0), correlationId, `the answer to ${what} carries its correlation id`)
    return 'answered'
  } catch (err) {
    if (conn.isClosed) return 'closed'
    throw err
  }
}

/** ApiVersions, Metadata, Produce and Fetch in a loop on its own connection until aborted; returns how many were answered. */
async function serveWellBehavedClient (bootstrap: string, signal: AbortSignal): Promise<number> {
  const conn = await WireConnection.open(bootstrap)
  let served = 0
  try {
    for (let i = 0; !signal.aborted; i++) {
      const versions = await conn.request(ApiVersionsRequest, ApiVersionsResponse, 3, { clientSoftwareName: 'good', clientSoftwareVersion: '1' })
      assert.equal(versions.errorCode, 0)
      const metadata = await conn.request(MetadataRequest, MetadataResponse, 4, { topics: [{ name: 'steady' }], allowAutoTopicCreation: false })
      assert.equal(metadata.topics[0]?.errorCode, 0)
      const produced = await conn.request(ProduceRequest, ProduceResponse, 7, {
        transactionalId: null, acks: 1, timeoutMs: 5000,
        topicData: [{ name: 'steady', partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ value: `good-${i}` }] }) }] }],
      })
      const offset = produced.responses[0]!.partitionResponses[0]!
      assert.equal(offset.errorCode, 0, 'the good client\'s produce succeeds')
      const fetched = await conn.request(FetchRequest, FetchResponse, 4, {
        replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0,
        topics: [{ topic: 'steady', partitions: [{ partition: 0, fetchOffset: offset.baseOffset, partitionMaxBytes: 1 << 20 }] }],
      })
      assert.equal(fetched.responses[0]!.partitions[0]!.errorCode, 0)
      assert.ok((fetched.responses[0]!.partitions[0]!.records?.length ?? 0) > 0, 'the good client reads what it wrote')
      served += 4
    }
    return served
  } finally {
    conn.close()
  }
}

function frame (body: Buffer): Buffer {
  const prefix = Buffer.alloc(4)
  prefix.writeInt32BE(body.length)
  return Buffer.concat([prefix, body])
}

function randomBytes (random: () => number, n: number): Buffer {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = Math.floor(random() * 256)
  return b
}

function range (from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i)
}

/** A small seeded PRNG, so a failing run can be replayed with FUZZ_SEED. */
function mulberry32 (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
