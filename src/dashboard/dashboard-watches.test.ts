import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import type { TopicMetadata } from '../client/cluster-metadata.js'
import type { ClusterView } from './cluster-view.js'
import type { ConsumerGroupsView } from './consumer-groups-view.js'
import { DashboardWatches, parseWatchRequest, type WatchSink } from './dashboard-watches.js'
import { topicsDocument, type TopicSort } from './documents.js'
import { apply, type Json } from './merge-patch.js'
import { MetricsHistory } from './metrics-history.js'
import { uncheckedAccess } from '../gateway/gateway-authorizer.js'

function topic (name: string, partitions: Array<[leader: number, replicas: number[], isr: number[]]>): TopicMetadata {
  return { name, topicId: `id-${name}`, errorCode: 0, isInternal: false, available: [], partitions: partitions.map(([leader, replicas, isr], partition) => ({ partition, errorCode: 0, leader, leaderEpoch: 0, replicas, isr, offlineReplicas: [] })) }
}

/** A ClusterView's fields as the documents read them, without a cluster behind it. */
function fakeView (): ClusterView & EventEmitter {
  const live = new Set([1, 2])
  return Object.assign(new EventEmitter(), {
    clusterId: 'c1',
    controllerId: 1,
    controllerEpoch: 4,
    brokers: new Map([[1, { nodeId: 1, host: 'h1', port: 9092, rack: null }], [2, { nodeId: 2, host: 'h2', port: 9092, rack: 'r2' }]]),
    liveBrokerIds: live,
    isLive: (id: number) => live.has(id),
    topics: new Map([['orders', topic('orders', [[1, [1, 2], [1, 2]], [2, [2, 1], [2, 1]]])]]),
    ensemble: new Map(),
    logDirs: new Map(),
    partitionSize: () => undefined,
    offsets: new Map(),
    throughput: { history: new MetricsHistory(), brokerMetrics: new Map(), topicRates: new Map(), partitionRates: new Map() },
    readsZooKeeper: false,
    scrapesMetrics: false,
    acquireTopic: () => ({ ready: Promise.resolve(), release: () => {} }),
  }) as unknown as ClusterView & EventEmitter
}

/** No groups: the topics rows list none reading. */
function fakeGroups (): ConsumerGroupsView {
  return Object.assign(new EventEmitter(), { groups: new Map(), topicLag: new Map() }) as unknown as ConsumerGroupsView
}

class Sink implements WatchSink {
  frames: Array<Record<string, Json>> = []
  bufferedAmount = 0
  send (frame: object): void { this.frames.push(JSON.parse(JSON.stringify(frame)) as Record<string, Json>) }
}

const flush = async (): Promise<void> => await new Promise(resolve => setImmediate(resolve))

test('a watch gets a snapshot, then only merge patches of what changed; applied, they give the new document', async () => {
  const view = fakeView()
  const watches = new DashboardWatches(view, fakeGroups(), false, 1000)
  const sink = new Sink()
  watches.handle(sink, { op: 'watch', watch: 'c', target: { on: 'cluster' } }, uncheckedAccess('User:ANONYMOUS'))
  watches.handle(sink, { op: 'watch', watch: 't', target: { on: 'topic', topic: 'orders' } }, uncheckedAccess('User:ANONYMOUS'))
  const [cluster, orders] = sink.frames
  assert.equal(cluster!['op'], 'snapshot')
  assert.deepEqual((cluster!['data'] as Record<string, Json>)['partitions'], { total: 2, underReplicated: 0, offline: 0 })
  assert.deepEqual((orders!['data'] as { partitions: Record<string, Json> }).partitions['0'], { partition: 0, leader: 1, leaderEpoch: 0, replicas: [1, 2], isr: [1, 2], underReplicated: false, offline: false })

  // broker 2 dies: it leaves the ISRs, broker 1 leads both partitions
  view.liveBrokerIds.delete(2)
  view.topics.set('orders', topic('orders', [[1, [1, 2], [1]], [1, [2, 1], [1]]]))
  view.emit('change')
  await flush()
  const patches = sink.frames.slice(2)
  assert.deepEqual(patches.map(f => [f['op'], f['watch'], f['seq']]), [['patch', 'c', 2], ['patch', 't', 2]])
  assert.deepEqual(patches[0]!['patch'], {
    brokers: { 1: { leaders: 2, underReplicated: 2 }, 2: { live: false, leaders: 0 } },
    partitions: { underReplicated: 2 },
  })
  const next = apply(orders!['data']!, patches[1]!['patch']!) as { partitions: Record<string, { isr: number[], underReplicated: boolean }> }
  assert.deepEqual(next.partitions['1'], { partition: 1, leader: 1, leaderEpoch: 0, replicas: [2, 1], isr: [1], underReplicated: true, offline: false })

  view.emit('change')
  await flush()
  assert.equal(sink.frames.length, 4, 'nothing changed: nothing sent')
  watches.close()
})

test('a socket past its high-water mark misses patches and gets a fresh snapshot once it drained', async () => {
  const view = fakeView()
  const watches = new DashboardWatches(view, fakeGroups(), false, 1000)
  const sink = new Sink()
  watches.handle(sink, { op: 'watch', watch: 'c', target: { on: 'cluster' } }, uncheckedAccess('User:ANONYMOUS'))
  sink.bufferedAmount = 5000
  view.controllerId = 2
  view.emit('change')
  await flush()
  assert.equal(sink.frames.length, 1)
  sink.bufferedAmount = 0
  view.emit('change')
  await flush()
  assert.equal(sink.frames[1]!['op'], 'snapshot')
  assert.deepEqual((sink.frames[1]!['data'] as { controller: Json }).controller, { id: 2, epoch: 4 })
  watches.handle(sink, { op: 'watch', watch: 'c', target: { on: 'cluster' } }, uncheckedAccess('User:ANONYMOUS'))
  assert.match(String(sink.frames[2]!['message']), /watch c already exists/)
  watches.handle(sink, { op: 'unwatch', watch: 'c' }, uncheckedAccess('User:ANONYMOUS'))
  assert.deepEqual(sink.frames[3], { op: 'unwatched', watch: 'c' })
  watches.close()
})

test('watch frames are checked field by field', () => {
  assert.deepEqual(parseWatchRequest({ op: 'watch', watch: 'w', on: 'topics', search: 'ord', limit: 10 }), { op: 'watch', watch: 'w', target: { on: 'topics', query: { search: 'ord', offset: 0, limit: 10, sort: 'name', internal: false } } })
  assert.match((parseWatchRequest({ op: 'watch', watch: 'w', on: 'topics', sort: 'size' }) as { problem: string }).problem, /"sort" must be one of name, messagesIn, bytesIn, bytesOut/)
  assert.match((parseWatchRequest({ op: 'watch', watch: 'w', on: 'topics', limit: 100_000 }) as { problem: string }).problem, /"limit" must be an integer from 1 to 500/)
  assert.match((parseWatchRequest({ op: 'watch', watch: 'w', on: 'brokers' }) as { problem: string }).problem, /"on" must be/)
  assert.deepEqual(parseWatchRequest({ op: 'watch', watch: 'w', on: 'groups', search: 'bill' }), { op: 'watch', watch: 'w', target: { on: 'groups', query: { search: 'bill', offset: 0, limit: 50 } } })
  assert.match((parseWatchRequest({ op: 'watch', watch: 'w', on: 'group', group: 7 }) as { problem: string }).problem, /"group" must be a group id/)
  assert.match((parseWatchRequest({ op: 'watch', on: 'cluster' }) as { problem: string }).problem, /"watch" must be a watch id/)
  assert.match((parseWatchRequest({ op: 'watch', watch: 'w', on: 'topic', topic: '' }) as { problem: string }).problem, /"topic" must be a topic name/)
})

test('a topics page sorted by a rate lists the busiest first, idle topics by name; each row carries its rates', () => {
  const view = fakeView()
  for (const name of ['a', 'b', 'c', 'd']) view.topics.set(name, topic(name, [[1, [1], [1]]]))
  Object.assign(view.throughput, { rates: { messagesIn: 30, bytesIn: 3000, bytesOut: 500 }, ratesAtMs: 1000 })
  view.throughput.topicRates.set('c', { messagesIn: 20, bytesIn: 1000, bytesOut: 0 })
  view.throughput.topicRates.set('b', { messagesIn: 10.04, bytesIn: 2000.4, bytesOut: 500 })
  const page = (sort: TopicSort): string[] => (topicsDocument(view, { search: '', offset: 0, limit: 10, internal: false, sort }).topics as Array<{ name: string }>).map(t => t.name)
  assert.deepEqual(page('name'), ['a', 'b', 'c', 'd', 'orders'])
  assert.deepEqual(page('messagesIn'), ['c', 'b', 'a', 'd', 'orders'])
  assert.deepEqual(page('bytesIn'), ['b', 'c', 'a', 'd', 'orders'])
  assert.deepEqual(page('bytesOut'), ['b', 'a', 'c', 'd', 'orders'])
  const rows = topicsDocument(view, { search: '', offset: 0, limit: 2, internal: false, sort: 'messagesIn' }).topics as Array<{ rates: Json }>
  assert.deepEqual(rows.map(r => r.rates), [{ messagesIn: 20, bytesIn: 1000, bytesOut: 0 }, { messagesIn: 10, bytesIn: 2000, bytesOut: 500 }])
})
