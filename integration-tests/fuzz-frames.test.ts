import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { decode } from '../src/protocol/codec.js'
import { readResponseHeader, responseHeaderVersion, writeRequestHeader } from '../src/protocol/header.js'
import { ApiVersionsRequest, ApiVersionsResponse } from '../src/protocol/messages/api-versions.js'
import { FetchRequest, FetchResponse } from '../src/protocol/messages/fetch.js'
import { apiMessages, type ApiMessages } from '../src/protocol/messages/index.js'
import { MetadataRequest, MetadataResponse } from '../src/protocol/messages/metadata.js'
import { ProduceRequest, ProduceResponse } from '../src/protocol/messages/produce.js'
import { Reader } from '../src/protocol/primitives/reader.js'
import { Writer } from '../src/protocol/primitives/writer.js'
import { buildRecordBatch } from '../src/protocol/records/record.js'
import { createTopic } from './support/admin.js'
import { startCluster } from './support/cluster.js'
import { RequestMutator, type FuzzTarget, type MutatedFrame, type Owed } from './support/request-mutator.js'
import { RssSampler } from './support/rss-sampler.js'
import { apiVersions, waitForTopic, WireConnection } from './support/wire-connection.js'

const SEED = Number(process.env.FUZZ_SEED ?? randomInt(2 ** 31))
/** Mutated valid requests to send: a few tens of thousands here, 1,000,000 under `npm run test:faults`. */
const MUTATED_FRAMES = Number(process.env.FUZZ_FRAMES ?? 30_000)
/**
 * An idle test broker sits near 100 MiB and 30,000 fuzzed frames take it to about 280. Its heap
 * holds ~35 MB of live objects throughout, but requests that wait (a Fetch's maxWaitMs, a JoinGroup)
 * are promoted before they die, and with the broker's heap growth of 4 (src/cli/heap-growth.ts)
 * V8 lets that garbage reach four times the live heap before collecting: 441-576 MiB after 500,000
 * frames with no heap cap. So the broker runs with a capped old generation, as deployments set one
 * (docs/deployment.md, "Sizing"): memory a fuzzed request really kept would end in an out-of-memory
 * exit, which fails the test, and the RSS limit bounds what lives outside V8's heap.
 */
const HEAP_MIB = 256
const RSS_LIMIT_MIB = 512
const WORKERS = 8
const RANDOM_FRAMES = 300
const ANSWER_OR_CLOSE_MS = 5_000
/** How long a request that asked to wait is given before we hang up on it ourselves. */
const PARKED_MS = 3_000
const MAX_REQUEST_BYTES = 1 << 20
/**
 * Broker limits low enough that the topics mutated requests create stay few. The authorizer is on
 * (ACLs the fuzzer creates, describes and deletes are written to ZooKeeper), with the fuzzer's
 * principal a super user, so that every other API is served as without one.
 */
const BROKER_CONFIG = {
  'socket.request.max.bytes': MAX_REQUEST_BYTES, 'max.broker.partitions': 200, 'max.partitions.per.request': 100,
  'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer', 'super.users': 'User:ANONYMOUS',
}

test(`fuzzed frames (seed ${SEED}, ${MUTATED_FRAMES} mutated requests): each is answered or its connection closed; a good client is served throughout; the broker never exits and its RSS stays bounded`, async t => {
  const cluster = await startCluster({ brokers: 1, config: BROKER_CONFIG, nodeArgs: [`--max-old-space-size=${HEAP_MIB}`] })
  t.after(cluster.cleanup)
  const broker = cluster.broker(1)
  const pid = broker.pid!
  await createTopic(cluster.bootstrap, 'steady', { partitions: 1 })
  await createTopic(cluster.bootstrap, 'fuzz-target', { partitions: 2 })
  await waitForTopic(cluster.bootstrap, 'steady', 1)
  const fuzzTarget = await waitForTopic(cluster.bootstrap, 'fuzz-target', 2)
  const target: FuzzTarget = { topics: ['fuzz-target', 'fuzz-other'], topicId: fuzzTarget.topicId, groups: ['fuzz-group', 'fuzz-group-2'] }
  const served = await servedApis(cluster.bootstrap)

  const rss = RssSampler.start(pid)
  t.after(() => rss.stop())
  const startMs = Date.now()
  const random = mulberry32(SEED)
  const fixedCases = [...garbageBodies(random), ...randomFrames(random), ...shortFrames(random), ...oversizedFrames(random)]
  const frames = fixedCases.length + MUTATED_FRAMES
  const mutator = new RequestMutator(random, MAX_REQUEST_BYTES)
  let mutated = 0
  const nextCase = (): FuzzCase | undefined => {
    const fixed = fixedCases.shift()
    if (fixed !== undefined) return fixed
    if (mutated === MUTATED_FRAMES) return undefined
    mutated++
    const { api, min, max } = served[Math.floor(random() * served.length)]!
    const frame = mutator.mutate(api, min + Math.floor(random() * (max - min + 1)), target)
    return { ...frame, name: `#${mutated} ${frame.description}`, truncated: false }
  }

  const stopGoodClient = new AbortController()
  // Settled into a value at once: a failure of the good client is reported below, not as an unhandled rejection.
  const goodClient = serveWellBehavedClient(cluster.bootstrap, stopGoodClient.signal).then(served => ({ served }), (error: Error) => ({ error }))
  const parked = new ParkedConnections()

  const outcomes = { answered: 0, closed: 0, truncated: 0, parked: 0, unanswered: 0 }
  const workers = Promise.all(Array.from({ length: WORKERS }, async () => {
    let conn: WireConnection | undefined
    for (let c = nextCase(); c !== undefined; c = nextCase()) {
      conn ??= await WireConnection.open(cluster.bootstrap)
      conn.writeRaw(c.bytes)
      if (c.truncated || c.owed === 'none') {
        // The broker is owed more bytes than will ever come, or owes no answer: our close must not upset it.
        conn.close()
        conn = undefined
        outcomes[c.truncated ? 'truncated' : 'unanswered']++
        continue
      }
      if (c.owed === 'may-wait') {
        parked.add(conn, c, `${c.name} (seed ${SEED})`)
        conn = undefined
        outcomes.parked++
        continue
      }
      const outcome = await answerOrClose(conn, c, `${c.name} (seed ${SEED})`, served)
      outcomes[outcome]++
      if (outcome === 'closed') conn = undefined
    }
    conn?.close()
  }))
  await workers.catch((err: Error) => { throw new Error(`${err.message}\nbroker log:\n${broker.tail(40)}`, { cause: err }) })
  const durationMs = Date.now() - startMs

  stopGoodClient.abort()
  const good = await goodClient
  const wrongParkedAnswers = await parked.closeAll()
  if ('error' in good) throw new Error(`the well-behaved client failed during the fuzzing: ${good.error.message}`, { cause: good.error })
  const maxMiB = rss.maxMiB
  const handlerFailures = broker.lines.filter(l => l.includes('"message":"request handler failed"'))
  const { requests, slowestRoundMs } = good.served
  t.diagnostic(`${frames} frames (${MUTATED_FRAMES} mutated requests) in ${(durationMs / 1000).toFixed(1)} s: ${JSON.stringify(outcomes)}`)
  t.diagnostic(`broker RSS: max ${maxMiB.toFixed(0)} MiB over ${rss.sampleCount} samples; good client: ${requests} requests served, slowest round of 4 in ${slowestRoundMs} ms`)

  assert.deepEqual(wrongParkedAnswers, [], 'requests that waited were answered with their own correlation ids')
  // A handler that throws is a bug (answered UNKNOWN_SERVER_ERROR, logged with its stack)
  assert.deepEqual(handlerFailures.map(l => l.slice(0, 600)), [], 'no request handler failed')
  assert.ok(requests > 0, 'the well-behaved client was served during the fuzzing')
  assert.ok(slowestRoundMs < ANSWER_OR_CLOSE_MS, `the well-behaved client was served throughout: its slowest round took ${slowestRoundMs} ms`)
  assert.ok(outcomes.answered > 0 && outcomes.closed > 0, `some frames were answered, some connections closed: ${JSON.stringify(outcomes)}`)
  assert.ok(broker.running, `the broker is still running:\n${broker.tail()}`)
  assert.doesNotThrow(() => process.kill(pid, 0), `PID ${pid} is alive`)
  assert.equal(broker.pid, pid, 'same process as at the start')
  assert.deepEqual(broker.lines.filter(l => /fatal/i.test(l)), [], 'no fatal log lines')
  assert.ok(maxMiB < RSS_LIMIT_MIB, `the broker's RSS stayed under ${RSS_LIMIT_MIB} MiB (max ${maxMiB.toFixed(0)} MiB)`)
})

interface ServedApi { api: ApiMessages, min: number, max: number }

interface FuzzCase {
  name: string
  bytes: Buffer
  correlationId: number | undefined
  truncated: boolean
  owed?: Owed
  decodedAs?: MutatedFrame['decodedAs']
}

/** Every API the broker advertises, with the versions it serves. */
async function servedApis (bootstrap: string): Promise<ServedApi[]> {
  const versions = await apiVersions(bootstrap)
  return apiMessages.flatMap(api => {
    const range = versions.get(api.apiKey)
    return range === undefined ? [] : [{ api, min: range.min, max: range.max }]
  })
}

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

/** Frames too short for any request header (1-7 bytes): each closes its connection, the 4-byte one too, which is not a size prefix. */
function * shortFrames (random: () => number): Generator<FuzzCase> {
  for (let size = 1; size < 8; size++) yield { name: `frame of ${size} bytes`, bytes: frame(randomBytes(random, size)), correlationId: undefined, truncated: false }
}

/** Size prefixes the broker must refuse outright: negative, zero, above socket.request.max.bytes. */
function * oversizedFrames (random: () => number): Generator<FuzzCase> {
  for (const size of [-1, -2147483648, 0, MAX_REQUEST_BYTES + 1, 2147483647]) {
    const prefix = Buffer.alloc(4)
    prefix.writeInt32BE(size)
    yield { name: `size prefix ${size}`, bytes: Buffer.concat([prefix, randomBytes(random, 64)]), correlationId: undefined, truncated: false }
  }
}

/**
 * 'answered' if a response with the frame's correlation id came back (and, for a request the broker
 * could decode, a response that decodes whole), 'closed' if the broker closed; fails on silence or
 * a wrong answer.
 */
async function answerOrClose (conn: WireConnection, c: FuzzCase, what: string, served: readonly ServedApi[]): Promise<'answered' | 'closed'> {
  let response: Buffer
  try {
    response = await conn.readFrame(ANSWER_OR_CLOSE_MS, `an answer to, or the close after, ${what}`)
  } catch (err) {
    if (conn.isClosed) return 'closed'
    throw err
  }
  if (c.correlationId !== undefined) assert.equal(response.readInt32BE(0), c.correlationId, `the answer to ${what} carries its correlation id`)
  const decodedAs = c.decodedAs
  const range = decodedAs === undefined ? undefined : served.find(s => s.api === decodedAs.api)
  if (decodedAs !== undefined && range !== undefined && decodedAs.version >= range.min && decodedAs.version <= range.max) {
    const reader = new Reader(response)
    readResponseHeader(reader, responseHeaderVersion(decodedAs.api.apiKey, decodedAs.version))
    assert.doesNotThrow(() => decode(decodedAs.api.response, decodedAs.version, reader), `the answer to ${what} decodes`)
    assert.equal(reader.remaining, 0, `the answer to ${what} has no trailing bytes`)
  }
  return 'answered'
}

/**
 * Connections whose request asked the broker to wait: each is given PARKED_MS to answer and then
 * closed, off the workers' path. A wrong answer (another correlation id) is collected for the end.
 */
class ParkedConnections {
  private readonly waits: Array<Promise<void>> = []
  private readonly open = new Set<WireConnection>()
  private readonly wrong: string[] = []

  add (conn: WireConnection, c: FuzzCase, what: string): void {
    this.open.add(conn)
    this.waits.push(conn.readFrame(PARKED_MS, `an answer to ${what}`).then(response => {
      if (c.correlationId !== undefined && response.readInt32BE(0) !== c.correlationId) this.wrong.push(what)
    }, () => {}).finally(() => {
      conn.close()
      this.open.delete(conn)
    }))
  }

  /** Hangs up on every connection still waiting; returns the requests answered with a wrong correlation id. */
  async closeAll (): Promise<string[]> {
    for (const conn of this.open) conn.close()
    await Promise.all(this.waits)
    return this.wrong
  }
}

/**
 * ApiVersions, Metadata, Produce and Fetch in a loop on its own connection until aborted; returns
 * how many were answered and the longest any round of the four took.
 */
async function serveWellBehavedClient (bootstrap: string, signal: AbortSignal): Promise<{ requests: number, slowestRoundMs: number }> {
  const conn = await WireConnection.open(bootstrap)
  let requests = 0
  let slowestRoundMs = 0
  try {
    for (let i = 0; !signal.aborted; i++) {
      const startMs = Date.now()
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
      requests += 4
      slowestRoundMs = Math.max(slowestRoundMs, Date.now() - startMs)
    }
    return { requests, slowestRoundMs }
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
