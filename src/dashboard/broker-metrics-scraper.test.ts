import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { BrokerMetricsScraper, partitionKey } from './broker-metrics-scraper.js'

function exposition (messagesIn: number, perTopic: Record<string, number>, leaders: number): string {
  return [
    '# TYPE kafka_server_brokertopicmetrics_messagesin_total counter',
    `kafka_server_brokertopicmetrics_messagesin_total ${messagesIn}`,
    ...Object.entries(perTopic).map(([t, n]) => `kafka_server_brokertopicmetrics_messagesin_total{topic="${t}"} ${n}`),
    '# TYPE kafka_server_brokertopicmetrics_bytesin_total counter',
    `kafka_server_brokertopicmetrics_bytesin_total ${messagesIn * 100}`,
    '# TYPE kafka_server_replicamanager_leadercount gauge',
    `kafka_server_replicamanager_leadercount ${leaders}`,
    '# TYPE kafka_server_replicafetchermanager_maxlag gauge',
    `kafka_server_replicafetchermanager_maxlag{clientId="Replica"} ${leaders * 10}`,
    '# TYPE kafka_server_socket_server_metrics_connection_count gauge',
    'kafka_server_socket_server_metrics_connection_count{listener="PLAINTEXT"} 4',
    'kafka_server_socket_server_metrics_connection_count{listener="SSL"} 2',
    '',
  ].join('\n')
}

test('rates from two scrapes of the all-topics counters; a restart (counters back) gives no rate; a dead broker an error', async t => {
  const bodies = [exposition(100, { a: 60, b: 40 }, 3), exposition(300, { a: 260, b: 40 }, 3), exposition(5, { a: 5 }, 2)]
  const server = createServer((_req, res) => { res.end(bodies.shift() ?? '') })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(() => server.close())
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`
  // a broker that hangs up on every connection
  const broken = createServer()
  broken.on('connection', socket => socket.destroy())
  await new Promise<void>(resolve => broken.listen(0, '127.0.0.1', resolve))
  t.after(() => broken.close())
  const deadUrl = `http://127.0.0.1:${(broken.address() as AddressInfo).port}/metrics`
  const scraper = new BrokerMetricsScraper(new Map([[1, url], [2, deadUrl]]), 500)

  const [first, dead] = await scraper.scrapeAll()
  assert.equal(first!.rates, undefined, 'one scrape is no rate')
  assert.equal(first!.gauges?.leaderCount, 3)
  assert.equal(first!.maxLag, 30, 'MaxLag, labelled clientId="Replica"')
  assert.equal(first!.connections, 6, 'connections over both listeners')
  assert.deepEqual([...first!.topicsWritten].sort(), ['a', 'b'])
  assert.ok(dead!.error !== undefined && dead!.error !== 'fetch failed', `the cause, not fetch's "fetch failed": ${String(dead!.error)}`)
  assert.equal(dead!.rates, undefined)

  const [second] = await scraper.scrapeAll()
  const seconds = (second!.atMs - first!.atMs) / 1000
  assert.ok(Math.abs(second!.rates!.messagesIn - 200 / seconds) < 1e-6)
  assert.ok(Math.abs(second!.rates!.bytesIn - 20_000 / seconds) < 1e-6)
  assert.equal(second!.rates!.bytesOut, 0)
  assert.deepEqual([...second!.topicsWritten], ['a'], 'only a was written')
  assert.ok(Math.abs(second!.topicRates!.get('a')!.messagesIn - 200 / seconds) < 1e-6, 'a topic\'s rate from its own series')
  assert.deepEqual(second!.topicRates!.get('b'), { messagesIn: 0, bytesIn: 0, bytesOut: 0 })

  const [restarted] = await scraper.scrapeAll()
  assert.equal(restarted!.rates, undefined, 'the broker restarted: its counters went back')
  assert.equal(restarted!.gauges?.leaderCount, 2)
})

test('per partition: messages in per second from the log end offset\'s rise; per API: p50 and p99 of TotalTimeMs', async t => {
  const body = (ends: [number, number]): string => [
    '# TYPE kafka_log_log_logendoffset gauge',
    `kafka_log_log_logendoffset{topic="a",partition="0"} ${ends[0]}`,
    `kafka_log_log_logendoffset{topic="a",partition="1"} ${ends[1]}`,
    '# TYPE kafka_network_requestmetrics_totaltimems gauge',
    'kafka_network_requestmetrics_totaltimems{request="Produce",quantile="0.50"} 1.5',
    'kafka_network_requestmetrics_totaltimems{request="Produce",quantile="0.99"} 12',
    'kafka_network_requestmetrics_totaltimems{request="Fetch",quantile="0.50"} 0',
    '# TYPE kafka_network_requestmetrics_totaltimems_count counter',
    'kafka_network_requestmetrics_totaltimems_count{request="Produce"} 40',
    'kafka_network_requestmetrics_totaltimems_count{request="Fetch"} 0',
    '',
  ].join('\n')
  // partition 1's log went back (truncated): no rate for it that second
  const bodies = [body([100, 50]), body([400, 20])]
  const server = createServer((_req, res) => { res.end(bodies.shift() ?? '') })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(() => server.close())
  const scraper = new BrokerMetricsScraper(new Map([[1, `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`]]), 500)
  const [first] = await scraper.scrapeAll()
  assert.equal(first!.partitionRates, undefined, 'one scrape is no rate')
  assert.equal(first!.maxLag, undefined, 'a broker that serves no MaxLag has none')
  assert.equal(first!.connections, undefined)
  assert.equal(first!.logEndOffsets?.get(partitionKey('a', 0)), 100)
  assert.deepEqual(first!.latency, { Produce: { p50: 1.5, p99: 12, count: 40 } }, 'an API that answered nothing is left out')
  const [second] = await scraper.scrapeAll()
  const seconds = (second!.atMs - first!.atMs) / 1000
  assert.ok(Math.abs(second!.partitionRates!.get(partitionKey('a', 0))! - 300 / seconds) < 1e-6)
  assert.equal(second!.partitionRates!.has(partitionKey('a', 1)), false)
})

test('each coordinated group\'s last completed rebalance: its duration, generation, reason and join end, joined by the group label', async t => {
  const body = [
    '# TYPE kafka_coordinator_group_groupmetadatamanager_lastrebalancedurationms gauge',
    'kafka_coordinator_group_groupmetadatamanager_lastrebalancedurationms{group="billing"} 1240',
    'kafka_coordinator_group_groupmetadatamanager_lastrebalancedurationms{group="orphan"} 5',
    'kafka_coordinator_group_groupmetadatamanager_lastrebalancedurationms{group="unplaced"} 7',
    '# TYPE kafka_coordinator_group_groupmetadatamanager_lastrebalancegeneration gauge',
    'kafka_coordinator_group_groupmetadatamanager_lastrebalancegeneration{group="billing"} 5',
    'kafka_coordinator_group_groupmetadatamanager_lastrebalancegeneration{group="unplaced"} 3',
    '# TYPE kafka_coordinator_group_groupmetadatamanager_lastrebalancejoinendedtimestampms gauge',
    'kafka_coordinator_group_groupmetadatamanager_lastrebalancejoinendedtimestampms{group="billing"} 1712345678901',
    '# TYPE kafka_coordinator_group_groupmetadatamanager_lastrebalancereason gauge',
    'kafka_coordinator_group_groupmetadatamanager_lastrebalancereason{group="billing",reason="member joined"} 1',
    '',
  ].join('\n')
  const server = createServer((_req, res) => { res.end(body) })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(() => server.close())
  const scraper = new BrokerMetricsScraper(new Map([[1, `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`]]), 500)
  const [reading] = await scraper.scrapeAll()
  assert.deepEqual(reading!.rebalances, new Map([['billing', { generation: 5, durationMs: 1240, reason: 'member joined', joinEndedMs: 1_712_345_678_901 }]]), 'a duration without its generation, or without its join end, is left out')
})
