import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import { Producer } from '../src/client/producer.js'
import { Consumer } from '../src/client/consumer.js'
import { ErrorCode } from '../src/protocol/error-codes.js'
import { MetadataRequest, MetadataResponse } from '../src/protocol/messages/metadata.js'
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../src/protocol/messages/sasl-authenticate.js'
import { SaslHandshakeRequest, SaslHandshakeResponse } from '../src/protocol/messages/sasl-handshake.js'
import { createTopic } from './support/admin.js'
import { startCluster } from './support/cluster.js'
import { WireConnection } from './support/wire-connection.js'

const REAUTH_MS = 3000
const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_bob="bob-secret";'

/** Kafka's KIP-368 on one broker with connections.max.reauth.ms: sessions last 3 s. */
test('re-authentication (KIP-368): sessionLifetimeMs, a second exchange on the connection, and an expired session closed', async t => {
  const cluster = await startCluster({
    brokers: 1,
    extraListeners: ['SASL_PLAINTEXT'],
    config: {
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': PLAIN_JAAS,
      'connections.max.reauth.ms': REAUTH_MS,
      'logger.level': 'debug', // re-authentications are logged at debug, as Kafka's are
    },
  })
  t.after(cluster.cleanup)
  const address = cluster.bootstrapFor('SASL_PLAINTEXT')
  await createTopic(cluster.bootstrap, 'reauth', { partitions: 1, replicationFactor: 1 })
  const login = async (conn: WireConnection, user: string, password: string): Promise<{ errorCode: number, errorMessage: string | null, sessionLifetimeMs: number | bigint }> => {
    assert.equal((await conn.request(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'PLAIN' })).errorCode, ErrorCode.NONE)
    return await conn.request(SaslAuthenticateRequest, SaslAuthenticateResponse, 1, { authBytes: Buffer.from(`\u0000${user}\u0000${password}`) })
  }
  const metadata = async (conn: WireConnection): Promise<number> => (await conn.request(MetadataRequest, MetadataResponse, 1, { topics: null } as never)).brokers.length

  await t.test('SaslAuthenticate answers sessionLifetimeMs; re-authenticating on the connection starts a new session that outlives the first', async () => {
    const conn = await WireConnection.open(address)
    t.after(() => conn.close())
    const first = await login(conn, 'alice', 'alice-secret')
    assert.deepEqual([first.errorCode, Number(first.sessionLifetimeMs)], [ErrorCode.NONE, REAUTH_MS])
    assert.equal(await metadata(conn), 1)
    const startedMs = Date.now()
    await new Promise(resolve => setTimeout(resolve, REAUTH_MS * 0.7)) // into the session's last third, as a client re-authenticates
    const again = await login(conn, 'alice', 'alice-secret')
    assert.deepEqual([again.errorCode, Number(again.sessionLifetimeMs)], [ErrorCode.NONE, REAUTH_MS])
    await new Promise(resolve => setTimeout(resolve, startedMs + REAUTH_MS + 500 - Date.now())) // past the first session's end, within the second's
    assert.equal(await metadata(conn), 1, 'the re-authenticated connection is still served')
  })

  await t.test('a request after the session expired closes the connection unanswered', async () => {
    const conn = await WireConnection.open(address)
    t.after(() => conn.close())
    await login(conn, 'alice', 'alice-secret')
    await new Promise(resolve => setTimeout(resolve, REAUTH_MS + 200)) // the session must run out: that is what is tested
    await assert.rejects(metadata(conn), /closed/)
    assert.ok(conn.isClosed)
  })

  await t.test('re-authenticating as another principal or with another mechanism is refused and closes the connection', async () => {
    const bob = await WireConnection.open(address)
    t.after(() => bob.close())
    await login(bob, 'alice', 'alice-secret')
    const other = await login(bob, 'bob', 'bob-secret')
    assert.equal(other.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED)
    assert.equal(other.errorMessage, 'Cannot change principals during re-authentication from User.alice: User.bob')
    await bob.waitClosed(5000, 'the broker to close the connection')

    const scram = await WireConnection.open(address)
    t.after(() => scram.close())
    await login(scram, 'alice', 'alice-secret')
    const handshake = await scram.request(SaslHandshakeRequest, SaslHandshakeResponse, 1, { mechanism: 'SCRAM-SHA-256' })
    assert.equal(handshake.errorCode, ErrorCode.UNSUPPORTED_SASL_MECHANISM)
    await scram.waitClosed(5000, 'the broker to close the connection')
  })

  await t.test('KafkaJS re-authenticates on its connections and keeps producing past several session lifetimes', async () => {
    const kafka = new Kafka({
      brokers: [address],
      clientId: 'reauth-test',
      sasl: { mechanism: 'plain', username: 'alice', password: 'alice-secret' },
      // re-authenticate once less than 2 s of the 3 s session is left
      reauthenticationThreshold: 2000,
      logLevel: logLevel.NOTHING,
    })
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await producer.connect()
    t.after(async () => await producer.disconnect())
    const expiredBefore = cluster.brokers[0]!.lines.filter(l => l.includes('SASL session expired')).length
    const until = Date.now() + REAUTH_MS * 3
    let sent = 0
    while (Date.now() < until) {
      await producer.send({ topic: 'reauth', messages: [{ value: `m${sent}` }] })
      sent++
      await new Promise(resolve => setTimeout(resolve, 250)) // paces the sends over the sessions
    }
    assert.ok(sent > 20, `sent ${sent}`)
    assert.equal(cluster.brokers[0]!.lines.filter(l => l.includes('SASL session expired')).length, expiredBefore, 'no KafkaJS connection outlived its session: each re-authenticated')
    const reauthenticated = cluster.brokers[0]!.lines.filter(l => l.includes('"re-authenticated"')).length
    assert.ok(reauthenticated >= 2, `the broker logged ${reauthenticated} re-authentications`)
  })

  await t.test('this project\'s client re-authenticates too: a producer and a long-polling consumer outlive several sessions', async () => {
    const props = { 'bootstrap.servers': [address], 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="alice-secret";' }
    const producer = new Producer({ ...props, acks: 'all' })
    const consumer = new Consumer({ ...props, 'fetch.max.wait.ms': 500 })
    t.after(async () => { await producer.close(); await consumer.close() })
    consumer.assign([{ topic: 'reauth', partition: 0 }])
    consumer.seekToEnd([{ topic: 'reauth', partition: 0 }])
    await consumer.position({ topic: 'reauth', partition: 0 }) // the end now, before anything is produced
    const line = (l: string): boolean => l.includes('"re-authenticated"')
    const before = cluster.brokers[0]!.lines.filter(line).length
    const expiredBefore = cluster.brokers[0]!.lines.filter(l => l.includes('SASL session expired')).length
    const until = Date.now() + REAUTH_MS * 3
    let sent = 0
    let received = 0
    while (Date.now() < until) {
      await producer.send({ topic: 'reauth', value: Buffer.from(`ours-${sent}`) })
      sent++
      received += (await consumer.poll(250)).length
    }
    while (received < sent) {
      const got = (await consumer.poll(1000)).length
      assert.ok(got > 0, `the consumer stalled at ${received} of ${sent}`)
      received += got
    }
    assert.equal(cluster.brokers[0]!.lines.filter(l => l.includes('SASL session expired')).length, expiredBefore, 'no connection of ours outlived its session')
    const reauthenticated = cluster.brokers[0]!.lines.filter(line).length - before
    assert.ok(reauthenticated >= 4, `the broker logged ${reauthenticated} re-authentications of the producer's and the consumer's connections`)
  })
})
