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

/** A rebalance entry's detail as the gateway makes it from a group record (joinEndedMs: the record's currentStateTimestamp). */
const rebalance = (group: string, generation: number, joinEndedMs: number) => ({ group, generation, joinEndedMs, members: 2, protocol: 'range', joined: [], left: [] })

test('a rebalance entry gets its duration and reason from the coordinator\'s last completed rebalance, whichever the gateway learned first', () => {
  const t = new ClusterTimeline()
  // the group record first, then a scrape: the entry is replaced by one with the timing, so a watch's diff sees it
  t.add(1, 'rebalance', rebalance('a', 4, 1000))
  const untimed = t.all().at(-1)!
  t.timeRebalances(new Map([['a', { generation: 4, durationMs: 1240, reason: 'member joined', joinEndedMs: 1000 }]]))
  const timed = t.all().at(-1)!
  assert.deepEqual(timed.detail, { ...untimed.detail, durationMs: 1240, reason: 'member joined' })
  assert.notEqual(timed.detail, untimed.detail, 'a new detail object')
  assert.equal(untimed.detail['durationMs'], undefined, 'the old one untouched')
  // a scrape first (the coordinator stabilized b before the gateway read its record), then the record
  t.timeRebalances(new Map([['a', { generation: 4, durationMs: 1240, reason: 'member joined', joinEndedMs: 1000 }], ['b', { generation: 2, durationMs: 80, joinEndedMs: 2000 }]]))
  t.add(2, 'rebalance', rebalance('b', 2, 2000))
  assert.equal(t.all().at(-1)!.detail['durationMs'], 80)
  // a generation the metrics do not (yet) tell of stays untimed; an older entry is never given a newer timing
  t.add(3, 'rebalance', rebalance('a', 5, 3000))
  t.timeRebalances(new Map([['a', { generation: 6, durationMs: 9, joinEndedMs: 4000 }]]))
  assert.deepEqual(t.all().filter(e => e.detail['group'] === 'a').map(e => e.detail['durationMs']), [1240, undefined])
  t.add(4, 'rebalance', rebalance('a', 6, 4000))
  // a completed rebalance followed at once by one that ended Empty (generation 8, newer, never timed): the scrape still finds 7's entry
  t.add(5, 'rebalance', rebalance('a', 7, 5000))
  t.add(6, 'rebalance', { ...rebalance('a', 8, 5500), members: 0, joined: [] })
  t.timeRebalances(new Map([['a', { generation: 7, durationMs: 10, joinEndedMs: 5000 }]]))
  assert.deepEqual(t.all().filter(e => e.detail['group'] === 'a').map(e => e.detail['durationMs']), [1240, undefined, 9, 10, undefined])
})

test('a group deleted and created again: only the entry of the incarnation whose record the coordinator timed gets the duration', () => {
  const current = { generation: 3, durationMs: 500, reason: 'member joined', joinEndedMs: 9000 }
  // a gateway started after both incarnations reached generation 3: its first scrape comes before it reads __consumer_offsets
  const started = new ClusterTimeline()
  started.timeRebalances(new Map([['g', current]]))
  started.add(1, 'rebalance', rebalance('g', 3, 5000))
  assert.equal(started.all().at(-1)!.detail['durationMs'], undefined, 'the old incarnation\'s generation 3')
  started.add(2, 'rebalance', rebalance('g', 3, 9000))
  assert.deepEqual(started.all().map(e => e.detail['durationMs']), [undefined, 500])
  // or it reads both records, then scrapes; and the old incarnation's record as the newest entry
  for (const order of [[5000, 9000], [9000, 5000]]) {
    const read = new ClusterTimeline()
    for (const at of order) read.add(at, 'rebalance', rebalance('g', 3, at))
    read.timeRebalances(new Map([['g', current]]))
    assert.deepEqual(read.all().map(e => [e.detail['joinEndedMs'], e.detail['durationMs']]), order.map(at => [at, at === 9000 ? 500 : undefined]))
  }
})
