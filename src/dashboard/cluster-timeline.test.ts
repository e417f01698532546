import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { TopicMetadata } from '../client/cluster-metadata.js'
import { ClusterTimeline, MAX_EVENTS } from './cluster-timeline.js'

function topic (name: string, partitions: Array<[leader: number, isr: number[]]>): TopicMetadata {
  return { name, topicId: `id-${name}`, errorCode: 0, isInternal: false, available: [], partitions: partitions.map(([leader, isr], partition) => ({ partition, errorCode: 0, leader, leaderEpoch: 0, replicas: [1, 2, 3], isr, offlineReplicas: [] })) }
}

test('successive Metadata answers become leader changes, ISR shrinks and expands, topic creates and deletes', () => {
  const t = new ClusterTimeline()
  const before = new Map([['a', topic('a', [[1, [1, 2, 3]], [2, [2, 3, 1]]])], ['gone', topic('gone', [[1, [1]]])]])
  const after = new Map([['a', topic('a', [[3, [3, 2]], [2, [2, 3, 1]]])], ['new', topic('new', [[-1, []]])]])
  t.compareTopics(5, before, after)
  assert.deepEqual(t.all().map(e => [e.kind, e.detail]), [
    ['leader-change', { topic: 'a', partition: 0, from: 1, to: 3, leaderEpoch: 0 }],
    ['isr-shrink', { topic: 'a', partition: 0, removed: [1], isr: [3, 2] }],
    ['topic-created', { topic: 'new', partitions: 1 }],
    ['topic-deleted', { topic: 'gone' }],
  ])
  // a new partition's first leader is part of its creation, not a leader change
  t.compareTopics(6, after, new Map([['a', after.get('a')!], ['new', topic('new', [[2, [2, 3, 1]]])]]))
  assert.equal(t.all().length, 4)
  t.compareTopics(7, new Map([['a', topic('a', [[3, [3]]])]]), new Map([['a', topic('a', [[3, [3, 1]]])]]))
  assert.deepEqual(t.all().at(-1)!.detail, { topic: 'a', partition: 0, added: [1], isr: [3, 1] })
  for (let i = 0; i < MAX_EVENTS + 10; i++) t.add(i, 'broker-joined', { broker: 1 })
  assert.equal(t.all().length, MAX_EVENTS, 'a ring: the oldest go')
})
