import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ErrorCode } from '../protocol/error-codes.js'
import { MetadataResponse } from '../protocol/messages/metadata.js'
import { KafkaError } from '../errors.js'
import { commonClientSchema, parseClientConfig } from './client-config.js'
import { KafkaClient, parseHostPort } from './kafka-client.js'
import { FakeBroker } from './support/fake-broker.js'

function client (props: Record<string, string | number>): KafkaClient {
  return new KafkaClient(parseClientConfig(commonClientSchema, { 'retry.backoff.ms': 1, 'retry.backoff.max.ms': 5, ...props }).values)
}

test('retry repeats retriable errors (by the error table) and gives up on others at once', async () => {
  const c = client({ 'bootstrap.servers': '127.0.0.1:1' })
  let calls = 0
  const value = await c.retry('x', async () => {
    if (++calls < 3) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, 'moved')
    return 'ok'
  })
  assert.deepEqual([value, calls], ['ok', 3])
  calls = 0
  await assert.rejects(c.retry('x', async () => { calls++; throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, 'exists') }),
    (err: KafkaError) => err.code === ErrorCode.TOPIC_ALREADY_EXISTS)
  assert.equal(calls, 1)
})

test('retry stops at its deadline and says how many attempts it made', async () => {
  const c = client({ 'bootstrap.servers': '127.0.0.1:1' })
  await assert.rejects(c.retry('Metadata', async () => { throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, 'none') }, { timeoutMs: 50 }),
    (err: KafkaError) => err.code === ErrorCode.LEADER_NOT_AVAILABLE && /Metadata failed after \d+ attempts in 50 ms/.test(err.message))
})

test('backoff grows exponentially from retry.backoff.ms to retry.backoff.max.ms, with jitter', () => {
  const c = new KafkaClient(parseClientConfig(commonClientSchema, { 'bootstrap.servers': 'h:1', 'retry.backoff.ms': 100, 'retry.backoff.max.ms': 1000 }).values)
  for (const [tries, base] of [[0, 100], [1, 200], [3, 800], [8, 1000]] as const) {
    const b = c.backoffMs(tries)
    assert.ok(b >= base * 0.8 && b <= base * 1.2, `try ${tries}: ${b} ms`)
  }
})

test('no reachable bootstrap server: one error naming the list and each failure', async () => {
  const c = client({ 'bootstrap.servers': '127.0.0.1:1,127.0.0.1:2' })
  await assert.rejects(c.anyConnection(), (err: KafkaError) =>
    err.code === ErrorCode.NETWORK_EXCEPTION && err.message.includes('bootstrap.servers=127.0.0.1:1,127.0.0.1:2') && err.message.includes('127.0.0.1:2'))
})

test('bootstrap falls through a dead address to a live one, and metadata fills the cache', async t => {
  const broker = await FakeBroker.start(req => req.reply(MetadataResponse, {
    brokers: [{ nodeId: 7, host: '127.0.0.1', port: broker.port, rack: null }],
    clusterId: 'abc',
    controllerId: 7,
    topics: [{ errorCode: 0, name: 't', isInternal: false, partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 7, leaderEpoch: 3, replicaNodes: [7], isrNodes: [7], offlineReplicas: [] }] }],
  }))
  t.after(async () => await broker.stop())
  const c = client({ 'bootstrap.servers': `127.0.0.1:1,${broker.bootstrap}` })
  t.after(async () => await c.close())
  await c.refreshMetadata(['t'])
  assert.equal(c.metadata.controllerId, 7)
  assert.equal(c.metadata.leaderFor('t', 0)?.nodeId, 7)
  assert.deepEqual(c.metadata.availablePartitions('t'), [0])
})

test('a refresh of every topic forgets the topics the response no longer has; a refresh of some keeps the others', async t => {
  let topics = ['a', 'b']
  const broker = await FakeBroker.start(req => req.reply(MetadataResponse, {
    brokers: [{ nodeId: 1, host: '127.0.0.1', port: broker.port, rack: null }],
    clusterId: 'abc',
    controllerId: 1,
    topics: topics.map(name => ({ errorCode: 0, name, isInternal: false, partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }] })),
  }))
  t.after(async () => await broker.stop())
  const c = client({ 'bootstrap.servers': broker.bootstrap })
  t.after(async () => await c.close())
  await c.refreshMetadata(null)
  assert.deepEqual([...c.metadata.topics.keys()].sort(), ['a', 'b'])
  topics = ['a']
  await c.refreshMetadata(['a'])
  assert.deepEqual([...c.metadata.topics.keys()].sort(), ['a', 'b'], 'a refresh of one topic says nothing of the others')
  await c.refreshMetadata(null)
  assert.deepEqual([...c.metadata.topics.keys()], ['a'], 'b was deleted')
})

test('broker addresses: host:port, bare host, bracketed IPv6; garbage is refused', () => {
  assert.deepEqual(parseHostPort('localhost:9093'), { host: 'localhost', port: 9093 })
  assert.deepEqual(parseHostPort('kafka1'), { host: 'kafka1', port: 9092 })
  assert.deepEqual(parseHostPort('[::1]:9094'), { host: '::1', port: 9094 })
  assert.throws(() => parseHostPort('host:99999'), /bad broker address/)
})
