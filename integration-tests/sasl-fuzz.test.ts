import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { ErrorCode } from '../src/protocol/error-codes.js'
import { encodeRequestFrame } from '../src/protocol/header.js'
import { ApiVersionsRequest, ApiVersionsResponse } from '../src/protocol/messages/api-versions.js'
import { MetadataRequest, MetadataResponse } from '../src/protocol/messages/metadata.js'
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../src/protocol/messages/sasl-authenticate.js'
import { SaslHandshakeRequest, SaslHandshakeResponse } from '../src/protocol/messages/sasl-handshake.js'
import { Reader } from '../src/protocol/primitives/reader.js'
import type { Infer, MessageDescriptor } from '../src/protocol/schema/index.js'
import { startCluster } from './support/cluster.js'
import { addScramUser } from './support/secure-listeners.js'
import { WireConnection } from './support/wire-connection.js'

const SEED = Number(process.env.FUZZ_SEED ?? randomInt(2 ** 31))
const RANDOM_SEQUENCES = 300
const MAX_RECEIVE_BYTES = 4096
const CLOSE_MS = 5_000
const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";'

/** A request frame (with its size prefix) carrying `correlationId`. */
function frame<Q extends MessageDescriptor> (request: Q, version: number, correlationId: number, value: Infer<Q>): Buffer {
  return encodeRequestFrame(request, { apiVersion: version, correlationId, clientId: 'sasl-fuzz' }, value)
}

const METADATA_ID = 999_999
const metadataFrame = (): Buffer => frame(MetadataRequest, 1, METADATA_ID, { topics: null } as Infer<typeof MetadataRequest>)

/**
 * Sends `frames`, then a Metadata request, and checks the connection never gets through: every
 * answer is to an exchange request (never to Metadata), and the broker closes the connection
 * (`mayWait`: or waits, as it must for the rest of a truncated frame).
 */
async function assertNeverThrough (address: string, frames: readonly Buffer[], what: string, mayWait = false): Promise<Buffer[]> {
  const conn = await WireConnection.open(address)
  try {
    for (const f of frames) conn.writeRaw(f)
    conn.writeRaw(metadataFrame())
    const answers: Buffer[] = []
    const deadline = Date.now() + CLOSE_MS
    for (;;) {
      const next = await conn.readFrame(Math.max(1, deadline - Date.now()), 'the next answer').catch((err: Error) => err)
      if (next instanceof Error) {
        assert.ok(conn.isClosed || mayWait, `${what}: the broker neither answered nor closed within ${CLOSE_MS} ms (${next.message})`)
        return answers
      }
      assert.notEqual(next.length >= 4 ? next.readInt32BE(0) : -1, METADATA_ID, `${what}: Metadata was answered before authentication`)
      answers.push(next)
    }
  } finally {
    conn.close()
  }
}

test(`the SASL exchange under truncated, oversized, out-of-order and random frames (seed ${SEED}): answered or closed, never let through`, async t => {
  const cluster = await startCluster({
    brokers: 1,
    extraListeners: ['SASL_PLAINTEXT'],
    config: {
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': PLAIN_JAAS,
      'sasl.server.max.receive.size': MAX_RECEIVE_BYTES,
      'connection.failed.authentication.delay.ms': 20,
    },
  })
  t.after(cluster.cleanup)
  await addScramUser(cluster.bootstrap, 'alice', 'alice-secret')
  const address = cluster.bootstrapFor('SASL_PLAINTEXT')
  /** SaslHandshake at any version: past v1 (which no broker speaks) the v1 bytes with the version changed. */
  const handshake = (mechanism: string, version = 1, id = 1): Buffer => {
    const f = frame(SaslHandshakeRequest, Math.min(version, 1), id, { mechanism })
    f.writeInt16BE(version, 6)
    return f
  }
  const authenticate = (token: Buffer, id = 2): Buffer => frame(SaslAuthenticateRequest, 1, id, { authBytes: token })

  await t.test('control: the right PLAIN password gets Metadata answered', async () => {
    const conn = await WireConnection.open(address)
    t.after(() => conn.close())
    assert.equal((await conn.request(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'PLAIN' })).errorCode, ErrorCode.NONE)
    const auth = await conn.request(SaslAuthenticateRequest, SaslAuthenticateResponse, 1, { authBytes: Buffer.from('\u0000alice\u0000alice-secret') })
    assert.equal(auth.errorCode, ErrorCode.NONE)
    const metadata = await conn.request(MetadataRequest, MetadataResponse, 1, { topics: null } as Infer<typeof MetadataRequest>)
    assert.equal(metadata.brokers[0]?.port, Number(address.split(':')[1]), 'Metadata advertises the SASL_PLAINTEXT listener it was asked on')
  })

  await t.test('a wrong password: SASL_AUTHENTICATION_FAILED with Kafka\'s message, after the delay, then the close; a pipelined request is never answered', async () => {
    const started = Date.now()
    const answers = await assertNeverThrough(address, [handshake('PLAIN'), authenticate(Buffer.from('\u0000alice\u0000wrong'))], 'wrong password')
    assert.equal(answers.length, 2)
    assert.equal(new Reader(answers[1]!).int32(), 2, 'the answer is to the SaslAuthenticate request')
    assert.equal(answers[1]!.readInt16BE(4), ErrorCode.SASL_AUTHENTICATION_FAILED)
    assert.match(answers[1]!.toString('latin1'), /Authentication failed: Invalid username or password/)
    assert.ok(Date.now() - started >= 20, 'connection.failed.authentication.delay.ms holds the answer back')
  })

  await t.test('out of order and unexpected requests close the connection unanswered', async () => {
    const cases: Array<[string, Buffer[]]> = [
      ['Metadata first', []],
      ['ApiVersions, then Metadata', [frame(ApiVersionsRequest, 0, 7, {} as Infer<typeof ApiVersionsRequest>)]],
      ['SaslAuthenticate before SaslHandshake', [authenticate(Buffer.from('\u0000alice\u0000alice-secret'))]],
      ['SaslHandshake, then Metadata instead of SaslAuthenticate', [handshake('PLAIN')]],
      ['SaslHandshake twice', [handshake('PLAIN'), handshake('PLAIN', 1, 3)]],
      ['SCRAM client-final before client-first', [handshake('SCRAM-SHA-256'), authenticate(Buffer.from('c=biws,r=abc,p=AAAA'))]],
      ['SCRAM for an unknown user', [handshake('SCRAM-SHA-256'), authenticate(Buffer.from('n,,n=mallory,r=abc'))]],
      ['v0 handshake, then a garbage bare token', [handshake('PLAIN', 0), Buffer.from([0, 0, 0, 3, 1, 2, 3])]],
      ['v0 handshake, then a bare token with the wrong password', [handshake('PLAIN', 0), Buffer.concat([Buffer.from([0, 0, 0, 12]), Buffer.from('\u0000alice\u0000bad!')])]],
      ['a frame that is not a Kafka request', [Buffer.from([0, 0, 0, 2, 0xff, 0xff])]],
    ]
    for (const [what, frames] of cases) await assertNeverThrough(address, frames, what)
    const unsupported = await assertNeverThrough(address, [handshake('GSSAPI')], 'an unsupported mechanism')
    assert.equal(unsupported[0]!.readInt16BE(4), ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'answered with UNSUPPORTED_SASL_MECHANISM before the close')
    assert.match(unsupported[0]!.toString('latin1'), /PLAIN[\s\S]*SCRAM-SHA-256/)
  })

  await t.test(`oversized and truncated frames: beyond sasl.server.max.receive.size (${MAX_RECEIVE_BYTES}) before authentication is closed unread`, async () => {
    const header = Buffer.alloc(4)
    header.writeInt32BE(64 * 1024 * 1024, 0)
    await assertNeverThrough(address, [header], 'a 64 MiB size prefix')
    await assertNeverThrough(address, [handshake('PLAIN'), authenticate(Buffer.alloc(MAX_RECEIVE_BYTES, 0x41))], 'a SaslAuthenticate token over the limit')
    const conn = await WireConnection.open(address)
    conn.writeRaw(handshake('PLAIN').subarray(0, 9))
    conn.close() // truncated: the broker must simply drop the half frame
  })

  await t.test(`${RANDOM_SEQUENCES} random sequences of exchange frames`, async () => {
    const random = mulberry32(SEED)
    let truncated = false
    const pieces = [
      () => handshake(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', '', 'x'.repeat(200)][Math.floor(random() * 5)]!, Math.floor(random() * 3)),
      () => authenticate(randomBytes(random, Math.floor(random() * 300))),
      () => authenticate(Buffer.from(`n,,n=alice,r=${randomBytes(random, 8).toString('hex')}`)),
      () => authenticate(Buffer.from(`c=biws,r=${randomBytes(random, 8).toString('hex')},p=${randomBytes(random, 32).toString('base64')}`)),
      () => authenticate(Buffer.from(`\u0000alice\u0000${randomBytes(random, 6).toString('hex')}`)),
      () => frame(ApiVersionsRequest, Math.floor(random() * 4), 5, { clientSoftwareName: 'fuzz', clientSoftwareVersion: '1' } as Infer<typeof ApiVersionsRequest>),
      () => { truncated = true; const f = handshake('PLAIN'); return f.subarray(0, Math.floor(random() * f.length)) },
      () => { const b = randomBytes(random, 4 + Math.floor(random() * 40)); b.writeInt32BE(b.length - 4, 0); return b },
    ]
    for (let i = 0; i < RANDOM_SEQUENCES; i++) {
      truncated = false
      const frames = Array.from({ length: 1 + Math.floor(random() * 4) }, () => pieces[Math.floor(random() * pieces.length)]!())
      await assertNeverThrough(address, frames, `random sequence ${i} (seed ${SEED})`, truncated)
    }
  })

  await t.test('the broker is alive and a good client is still served', async () => {
    assert.ok(cluster.broker(1).running)
    const conn = await WireConnection.open(address)
    t.after(() => conn.close())
    await conn.request(ApiVersionsRequest, ApiVersionsResponse, 0, {} as Infer<typeof ApiVersionsRequest>)
    await conn.request(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'PLAIN' })
    assert.equal((await conn.request(SaslAuthenticateRequest, SaslAuthenticateResponse, 1, { authBytes: Buffer.from('\u0000alice\u0000alice-secret') })).errorCode, ErrorCode.NONE)
    assert.equal((await conn.request(MetadataRequest, MetadataResponse, 1, { topics: null } as Infer<typeof MetadataRequest>)).brokers.length, 1)
  })
})

function randomBytes (random: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n)
  for (let i = 0; i < n; i++) b[i] = Math.floor(random() * 256)
  return b
}

/** A small seeded generator, so a failing seed can be replayed with FUZZ_SEED. */
function mulberry32 (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
