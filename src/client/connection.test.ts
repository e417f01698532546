import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { encode } from '../protocol/codec.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { responseHeaderVersion, writeResponseHeader } from '../protocol/header.js'
import { Writer } from '../protocol/primitives/writer.js'
import { MetadataRequest, MetadataResponse } from '../protocol/messages/metadata.js'
import { KafkaError } from '../errors.js'
import { Connection } from './connection.js'
import { FakeBroker, type FakeRequest } from './support/fake-broker.js'

const options = { clientId: 'test', connectTimeoutMs: 2000, requestTimeoutMs: 2000 }

function metadataAnswer (controllerId: number): unknown {
  return { brokers: [], clusterId: 'c', controllerId, topics: [] }
}

test('requests are pipelined and answers matched in order', async t => {
  const held: FakeRequest[] = []
  const broker = await FakeBroker.start(req => {
    held.push(req)
    // answer only once all three are in: the client must not wait for one answer before the next request
    if (held.length === 3) held.forEach((r, i) => r.reply(MetadataResponse, metadataAnswer(i)))
  })
  t.after(async () => await broker.stop())
  const conn = new Connection({ host: '127.0.0.1', port: broker.port }, options)
  await conn.connect()
  t.after(() => conn.close())
  const version = conn.version(MetadataRequest, 1, 9)
  const answers = await Promise.all([0, 1, 2].map(async () => await conn.send(MetadataRequest, MetadataResponse, version, { topics: [] })))
  assert.deepEqual(answers.map(a => a.controllerId), [0, 1, 2])
  assert.deepEqual(held.map(r => r.header.correlationId), [1, 2, 3])
})

test('a request without an answer times out with REQUEST_TIMED_OUT and fails the others on that connection', async t => {
  const broker = await FakeBroker.start()
  t.after(async () => await broker.stop())
  const conn = new Connection({ host: '127.0.0.1', port: broker.port }, { ...options, requestTimeoutMs: 100 })
  await conn.connect()
  const first = conn.send(MetadataRequest, MetadataResponse, 1, { topics: [] })
  const second = conn.send(MetadataRequest, MetadataResponse, 1, { topics: [] }, { timeoutMs: 5000 })
  await assert.rejects(first, (err: KafkaError) => err.code === ErrorCode.REQUEST_TIMED_OUT && /within 100 ms/.test(err.message))
  await assert.rejects(second, (err: KafkaError) => err.code === ErrorCode.REQUEST_TIMED_OUT)
  assert.equal(conn.isOpen, false)
})

test('a wrong correlation id is CORRUPT_MESSAGE and closes the connection', async t => {
  const broker = await FakeBroker.start(req => req.reply(MetadataResponse, metadataAnswer(1), req.header.correlationId + 7))
  t.after(async () => await broker.stop())
  const conn = new Connection({ host: '127.0.0.1', port: broker.port }, options)
  await conn.connect()
  await assert.rejects(conn.send(MetadataRequest, MetadataResponse, 1, { topics: [] }),
    (err: KafkaError) => err.code === ErrorCode.CORRUPT_MESSAGE && /correlation id/.test(err.message))
  assert.equal(conn.isOpen, false)
})

test('a refused connection is a retriable NETWORK_EXCEPTION naming the address', async () => {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise(resolve => server.close(resolve))
  const conn = new Connection({ host: '127.0.0.1', port }, options)
  await assert.rejects(conn.connect(), (err: KafkaError) => err.code === ErrorCode.NETWORK_EXCEPTION && err.message.includes(`127.0.0.1:${port}`) && /ECONNREFUSED/.test(err.message))
})

test('a broker that accepts but never answers ApiVersions fails within the request timeout', async t => {
  const sockets: Socket[] = []
  const server = createServer(socket => { sockets.push(socket.on('error', () => {})) })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(async () => {
    for (const s of sockets) s.destroy()
    await new Promise(resolve => server.close(resolve))
  })
  const conn = new Connection({ host: '127.0.0.1', port: (server.address() as AddressInfo).port }, { ...options, requestTimeoutMs: 150 })
  const started = Date.now()
  await assert.rejects(conn.connect(), (err: KafkaError) => err.code === ErrorCode.REQUEST_TIMED_OUT)
  assert.ok(Date.now() - started < 2000)
})

test('version picks the highest version both sides speak, or names the gap', async t => {
  const broker = await FakeBroker.start()
  t.after(async () => await broker.stop())
  const conn = new Connection({ host: '127.0.0.1', port: broker.port }, options)
  await conn.connect()
  t.after(() => conn.close())
  assert.equal(conn.version(MetadataRequest, 1, 9), 9)
  assert.throws(() => conn.version(MetadataRequest, 20, 30), (err: KafkaError) => err.code === ErrorCode.UNSUPPORTED_VERSION && /v0-12/.test(err.message))
})

test('frames are whole however the stream is cut: a byte at a time, several in one write, one larger than the buffer pool serves', async t => {
  // 300 topics of 32,000-character names: a 9.6 MB answer, above the pool's 8 MiB, gathered piece by piece
  const bigTopics = Array.from({ length: 300 }, (_, i) => ({ errorCode: 0, name: String(i).padEnd(32_000, 'x'), isInternal: false, partitions: [] }))
  const answers = [[], [], bigTopics, [{ errorCode: 0, name: 'last', isInternal: false, partitions: [] }]]
  let served = 0
  const broker = await FakeBroker.start(req => {
    const w = new Writer(64).int32(0)
    writeResponseHeader(w, req.header.correlationId, responseHeaderVersion(MetadataResponse.apiKey, req.header.apiVersion))
    encode(MetadataResponse, req.header.apiVersion, { brokers: [], clusterId: `c${served}`, controllerId: 1, topics: answers[served++]! } as never, w)
    const frame = w.patchInt32(0, w.length - 4).toBuffer()
    if (served === 1) { // one byte per write, each flushed before the next
      void (async () => { for (const byte of frame) await new Promise<void>(resolve => req.socket.write(Buffer.of(byte), () => resolve())) })()
    } else req.socket.write(frame)
  })
  t.after(async () => await broker.stop())
  const conn = new Connection({ host: '127.0.0.1', port: broker.port }, options)
  await conn.connect()
  t.after(() => conn.close())
  const got = [await conn.send(MetadataRequest, MetadataResponse, 2, { topics: [] })]
  got.push(...await Promise.all([0, 1, 2].map(async () => await conn.send(MetadataRequest, MetadataResponse, 2, { topics: [] }))))
  assert.deepEqual(got.map(a => a.clusterId), ['c0', 'c1', 'c2', 'c3'])
  assert.deepEqual(got[2]!.topics.map(topic => topic.name), bigTopics.map(topic => topic.name))
  assert.deepEqual(got[3]!.topics.map(topic => topic.name), ['last'])
})

test('connections.max.idle.ms: the client closes a connection idle that long, but not one awaiting an answer', async t => {
  const idleMs = 100
  const broker = await FakeBroker.start(req => { setTimeout(() => req.reply(MetadataResponse, metadataAnswer(1)), 3 * idleMs) })
  t.after(async () => await broker.stop())
  const conn = new Connection({ host: '127.0.0.1', port: broker.port }, { ...options, idleMs })
  await conn.connect()
  t.after(() => conn.close())
  const answer = await conn.send(MetadataRequest, MetadataResponse, 1, { topics: [] })
  assert.equal(answer.controllerId, 1, 'three idle periods waiting for the answer did not close it')
  const answeredAt = Date.now()
  await once(broker.requests[0]!.socket, 'close')
  assert.equal(conn.isOpen, false)
  assert.ok(Date.now() - answeredAt >= idleMs - 20, 'closed once idle for connections.max.idle.ms')
  await assert.rejects(conn.send(MetadataRequest, MetadataResponse, 1, { topics: [] }), (err: KafkaError) => err.code === ErrorCode.NETWORK_EXCEPTION && /idle/.test(err.message))
})
