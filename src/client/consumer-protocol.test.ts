import { test } from 'node:test'
import assert from 'node:assert/strict'
import { encodeVersioned } from '../protocol/codec.js'
import { ConsumerProtocolSubscription } from '../protocol/messages/consumer-protocol.js'
import { assignorsFor } from './assignors/assignment-strategy.js'
import { ConsumerProtocol, decodeAssignment, decodeSubscription } from './consumer-protocol.js'

test('consumer protocol: one JoinGroup protocol per assignor; the leader decodes v0 and v2 subscriptions and encodes assignments', async () => {
  const asked: string[][] = []
  const protocol = new ConsumerProtocol(assignorsFor(['org.apache.kafka.clients.consumer.RangeAssignor', 'cooperative-sticky']),
    () => ({ topics: ['a', 'b'], ownedPartitions: [{ topic: 'a', partition: 1 }], generationId: 3 }),
    async topics => { asked.push(topics); return new Map([['a', 2], ['b', 1]]) })
  const protocols = protocol.protocols()
  assert.deepEqual(protocols.map(p => p.name), ['range', 'cooperative-sticky'])
  const ours = decodeSubscription({ memberId: 'ours', groupInstanceId: null, metadata: protocols[0]!.metadata })
  assert.deepEqual(ours, { memberId: 'ours', groupInstanceId: null, topics: ['a', 'b'], ownedPartitions: [{ topic: 'a', partition: 1 }], generationId: 3 })
  // kafka-python and KafkaJS send v0: topics and user data only
  const v0 = encodeVersioned(ConsumerProtocolSubscription, 0, { topics: ['a'], userData: null })
  const result = await protocol.assign('range', [{ memberId: 'ours', groupInstanceId: null, metadata: protocols[0]!.metadata }, { memberId: 'python', groupInstanceId: null, metadata: v0 }])
  assert.deepEqual(asked, [['a', 'b']])
  assert.deepEqual(decodeAssignment(result.get('ours')!), [{ topic: 'a', partition: 0 }, { topic: 'b', partition: 0 }], 'range over members sorted by id')
  const all = [...result.values()].flatMap(decodeAssignment).map(tp => `${tp.topic}-${tp.partition}`).sort()
  assert.deepEqual(all, ['a-0', 'a-1', 'b-0'])
  assert.deepEqual(decodeAssignment(result.get('python')!), [{ topic: 'a', partition: 1 }], 'a member only gets its own topics')
  assert.deepEqual(decodeAssignment(Buffer.alloc(0)), [], 'empty bytes: no assignment')
})

test('consumer protocol: an unknown assignor name is a config error naming it', () => {
  assert.throws(() => assignorsFor(['sticky-ish']), /unknown assignor "sticky-ish"/)
})
