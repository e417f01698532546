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

test('a rebalance entry gets its duration and reason from the coordinator\'s last completed rebalance, whichever the gateway learned first', () => {
  const t = new ClusterTimeline()
  const rebalance = (group: string, generation: number) => ({ group, generation, members: 2, protocol: 'range', joined: [], left: [] })
  // the group record first, then a scrape: the entry is replaced by one with the timing, so a watch's diff sees it
  t.add(1, 'rebalance', rebalance('a', 4))
  const untimed = t.all().at(-1)!
  t.timeRebalances(new Map([['a', { generation: 4, durationMs: 1240, reason: 'member joined' }]]))
  const timed = t.all().at(-1)!
  assert.deepEqual(timed.detail, { ...untimed.detail, durationMs: 1240, reason: 'member joined' })
  assert.notEqual(timed.detail, untimed.detail, 'a new detail object')
  assert.equal(untimed.detail['durationMs'], undefined, 'the old one untouched')
  // a scrape first (the coordinator stabilized b before the gateway read its record), then the record
  t.timeRebalances(new Map([['a', { generation: 4, durationMs: 1240, reason: 'member joined' }], ['b', { generation: 2, durationMs: 80 }]]))
  t.add(2, 'rebalance', rebalance('b', 2))
  assert.equal(t.all().at(-1)!.detail['durationMs'], 80)
  // a generation the metrics do not (yet) tell of stays untimed; an older entry is never given a newer timing
  t.add(3, 'rebalance', rebalance('a', 5))
  t.timeRebalances(new Map([['a', { generation: 6, durationMs: 9 }]]))
  assert.deepEqual(t.all().filter(e => e.detail['group'] === 'a').map(e => e.detail['durationMs']), [1240, undefined])
})
