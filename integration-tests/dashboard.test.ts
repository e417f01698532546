import { existsSync } from 'node:fs'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Admin } from '../src/client/admin.js'
import { GroupAdmin } from '../src/client/group-admin.js'
import { Producer } from '../src/client/producer.js'
import { GroupMember } from './support/group-member.js'
import { runProcess } from './support/run-process.js'
import { createTopic } from './support/admin.js'
import { BrowserSession, noChromium } from './support/browser.js'
import { runTool } from './support/cli-tool.js'
import { startCluster } from './support/cluster.js'
import { freePorts } from './support/free-port.js'
import { GatewayProcess } from './support/gateway.js'
import { waitFor } from './support/wait-for.js'

/** BrokerProcess's zookeeper.session.timeout.ms: a killed broker's registration lasts this long. */
const SESSION_TIMEOUT_MS = 6000
const TOKEN = 'dashboard-test-token-0123456789'
const KCAT = '/usr/bin/kcat'

/** What the functions handed to page.waitForFunction see: they run in the page. */
declare const document: {
  querySelector: (s: string) => { textContent: string | null, getAttribute: (name: string) => string | null, scrollWidth: number, parentElement: { clientWidth: number } | null } | null
  querySelectorAll: (s: string) => { length: number }
  documentElement: { scrollWidth: number, clientWidth: number }
}

const cardValue = async (s: BrowserSession, testId: string): Promise<string> => await s.page.locator(`[data-testid="${testId}"] .card-value`).innerText()

/** Long ids wrap: neither the table `testId` nor the page is wider than what holds it. */
async function assertNoSidewaysScroll (page: BrowserSession['page'], testId: string): Promise<void> {
  const widths = await page.evaluate(id => {
    const table = document.querySelector(`[data-testid="${id}"]`)
    return { table: table?.scrollWidth ?? Infinity, container: table?.parentElement?.clientWidth ?? 0, page: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth }
  }, testId)
  assert.ok(widths.table <= widths.container && widths.page <= widths.viewport, `${testId} widths: ${JSON.stringify(widths)}`)
}

test('the dashboard in headless Chromium against a 3-broker cluster and a gateway process', { skip: noChromium }, async t => {
  // t.after runs its hooks in the order they were added; these must go in reverse (the traffic
  // stops before the cluster does, or the producer's close waits for brokers that are gone)
  const cleanups: Array<() => Promise<unknown>> = []
  const defer = (fn: () => Promise<unknown>): void => { cleanups.push(fn) }
  t.after(async () => { for (const fn of cleanups.reverse()) await fn() })
  const metricsPorts = await freePorts(3)
  const cluster = await startCluster({ brokers: 3, brokerConfig: id => ({ 'metrics.listener': `http://127.0.0.1:${metricsPorts[id - 1]!}` }) })
  defer(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'orders', { partitions: 6, replicationFactor: 3 })
  await createTopic(cluster.bootstrap, 'payments', { partitions: 2, replicationFactor: 2 })
  await createTopic(cluster.bootstrap, 'billing', { partitions: 3, replicationFactor: 2 })
  const metricsUrls = metricsPorts.map((port, i) => `${i + 1}=http://127.0.0.1:${port}`).join(',')
  const gateway = await GatewayProcess.start(cluster.bootstrap, { 'zookeeper.connect': cluster.zkConnect, 'gateway.broker.metrics.urls': metricsUrls })
  defer(async () => await gateway.cleanup())
  const admin = new Admin({ 'bootstrap.servers': cluster.bootstrap })
  defer(async () => await admin.close())
  const browser = await BrowserSession.open()
  defer(async () => await browser.close())
  const { page } = browser

  // records flowing, so the throughput cards and sparklines have something to show
  const producer = new Producer({ 'bootstrap.servers': cluster.bootstrap, acks: 'all', 'linger.ms': 5 })
  defer(async () => await producer.close())
  let producing = true
  const traffic = (async () => {
    for (let i = 0; producing; i++) {
      await Promise.all(Array.from({ length: 50 }, async (_, j) => await producer.send({ topic: 'orders', key: Buffer.from(`k${j}`), value: Buffer.from(`order ${i}-${j}`) }).catch(() => {})))
      await new Promise(resolve => setTimeout(resolve, 100)) // pacing the load, not waiting for anything
    }
  })()
  defer(async () => { producing = false; await traffic })

  await t.test('the page and its assets: content types, caching, no CDN', async () => {
    const index = await fetch(`${gateway.url}/`)
    assert.equal(index.status, 200)
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8')
    assert.equal(index.headers.get('cache-control'), 'no-cache')
    assert.match(index.headers.get('content-security-policy') ?? '', /default-src 'self'/)
    const html = await index.text()
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map(m => m[1]!).filter(u => !u.startsWith('data:'))
    assert.equal(assets.length, 2, html)
    for (const asset of assets) {
      assert.ok(asset.startsWith('/'), `${asset} is served by the gateway, not a CDN`)
      const r = await fetch(`${gateway.url}${asset}`)
      assert.equal(r.status, 200, asset)
      assert.equal(r.headers.get('cache-control'), 'public, max-age=31536000, immutable', asset)
      assert.equal(r.headers.get('content-type'), asset.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8')
      assert.equal((await fetch(`${gateway.url}${asset}`, { headers: { 'if-none-match': r.headers.get('etag')! } })).status, 304)
    }
    const topics = await (await fetch(`${gateway.url}/api/v1/topics?search=ORD&limit=10`)).json() as { total: number, topics: Array<{ name: string, partitions: number, replicationFactor: number }> }
    assert.equal(topics.total, 1, 'searched on the server, case-insensitively')
    assert.deepEqual(topics.topics.map(x => [x.name, x.partitions, x.replicationFactor]), [['orders', 6, 3]])
    assert.equal((await fetch(`${gateway.url}/api/v1/topics?limit=100000`)).status, 400)
  })

  let controller = -1
  await t.test('the overview lists 3 live brokers, the controller and its epoch, and ZooKeeper\'s mode', async () => {
    await page.goto(`${gateway.url}/`)
    for (const id of [1, 2, 3]) await page.waitForSelector(`[data-testid="overview-brokers"] [data-testid="broker-${id}"][data-live="true"]`, { timeout: 15_000 })
    const cluster = await (await fetch(`${gateway.url}/api/v1/cluster`)).json() as { controller: { id: number, epoch: number }, clusterId: string }
    controller = cluster.controller.id
    assert.ok(controller >= 1 && controller <= 3)
    assert.equal(await cardValue(browser, 'controller'), `broker ${controller}`)
    await page.waitForFunction(() => /epoch \d+/.test(document.querySelector('[data-testid="controller"] .card-sub')?.textContent ?? ''), undefined, { timeout: 10_000 })
    assert.equal(await cardValue(browser, 'cluster-id'), cluster.clusterId)
    assert.equal(await cardValue(browser, 'broker-count'), '3 live')
    await page.waitForSelector('[data-testid="zookeeper"] .badge.ok', { timeout: 10_000 })
    assert.match(await page.locator('[data-testid="zookeeper"]').innerText(), /standalone/)
    // the rates need two scrapes of the brokers' /metrics, and the traffic shows in them
    await page.waitForFunction(() => !/^(–|0\/s)$/.test(document.querySelector('[data-testid="rate-messagesIn"] .card-value')?.textContent ?? '–'), undefined, { timeout: 15_000 })
    await page.waitForSelector('[data-testid="spark-messagesIn"] canvas')
    // a sparkline worth looking at: ten seconds of samples pushed to the page
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="spark-messagesIn"]')?.getAttribute('data-points')) >= 10, undefined, { timeout: 20_000 })
    assert.equal(await page.locator('[data-testid="connection"]').innerText(), 'live')
    assert.equal(await page.locator('[data-testid="stale-banner"]').count(), 0)
    await browser.screenshot('dashboard', 'overview')
  })

  await t.test('kill -9 a broker: the page shows it dead and its partitions under-replicated within the session timeout + 2 s, without a reload; and back on restart', async () => {
    const victim = [1, 2, 3].find(id => id !== controller)!
    const topics = await admin.describeTopics(null)
    const expected = topics.flatMap(x => x.partitions).filter(p => p.replicas.includes(victim) && p.replicas.length > 1).length
    assert.ok(expected >= 6, 'every partition of orders has a replica on each broker')
    assert.equal(await cardValue(browser, 'under-replicated'), '0')
    const navigations: string[] = []
    page.on('framenavigated', f => navigations.push(f.url()))
    const killedAt = Date.now()
    await cluster.broker(victim).kill('SIGKILL')
    const deadline = killedAt + SESSION_TIMEOUT_MS + 2000
    await page.waitForSelector(`[data-testid="broker-${victim}"][data-live="false"]`, { timeout: Math.max(1, deadline - Date.now()) })
    await page.waitForFunction(n => document.querySelector('[data-testid="under-replicated"] .card-value')?.textContent === String(n), expected, { timeout: Math.max(1, deadline - Date.now()) })
    const shownAfterMs = Date.now() - killedAt
    t.diagnostic(`broker ${victim} shown dead and ${expected} partitions under-replicated ${shownAfterMs} ms after kill -9 (session timeout ${SESSION_TIMEOUT_MS} ms)`)
    assert.equal(await cardValue(browser, 'broker-count'), '2 live')
    assert.equal(navigations.length, 0, 'no reload')
    await browser.screenshot('dashboard', 'overview-broker-dead')

    await page.click('a[href="#/topics"]')
    await page.click('[data-testid="topic-orders"] a')
    await page.waitForSelector('[data-testid="partitions"]')
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="partitions"] tr[data-under-replicated="true"]').length === 6, undefined, { timeout: 5000 })
    assert.equal(await page.locator('[data-testid="partitions"] .replica.out').count(), 6, 'the dead broker\'s replica is highlighted in each partition')
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="partition-0"] td:nth-child(6)')?.textContent) >= 0, undefined, { timeout: 5000 })
    await browser.screenshot('dashboard', 'topic-under-replicated')

    await cluster.broker(victim).start()
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="partitions"] tr[data-under-replicated="true"]').length === 0, undefined, { timeout: 30_000 })
    await page.click('a[href="#/"]')
    await page.waitForSelector(`[data-testid="broker-${victim}"][data-live="true"]`, { timeout: 10_000 })
    assert.equal(await cardValue(browser, 'under-replicated'), '0')
    assert.deepEqual(navigations.filter(u => !u.includes('#')), [], 'no reload')
  })

  await t.test('sizes from DescribeLogDirs grow as records are produced; the topic shows each partition\'s size, log end and a throughput heat map', async () => {
    await page.click('a[href="#/topics"]')
    const sizeOf = async (): Promise<number> => Number(await page.locator('[data-testid="size-orders"]').getAttribute('data-bytes'))
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="size-orders"]')?.getAttribute('data-bytes')) > 0, undefined, { timeout: 15_000 })
    const before = await sizeOf()
    // the traffic keeps producing to orders; the gateway asks the brokers' log dirs every 5 s
    await page.waitForFunction(n => Number(document.querySelector('[data-testid="size-orders"]')?.getAttribute('data-bytes')) > n, before, { timeout: 15_000 })
    t.diagnostic(`orders grew from ${before} to ${await sizeOf()} bytes on the page`)
    await page.click('[data-testid="topic-orders"] a')
    await page.waitForSelector('[data-testid="heatmap"] tr[data-testid="heat-5"]', { timeout: 10_000 })
    assert.equal(await page.locator('[data-testid="heatmap"] tbody tr').count(), 6)
    // the gateway keeps a watched topic's last minute and pushes a point a second
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="heat-0"]')?.getAttribute('data-points')) >= 3, undefined, { timeout: 10_000 })
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="partition-0"] td:nth-child(7)')?.textContent) > 0, undefined, { timeout: 10_000 })
    assert.ok(Number(await page.locator('[data-testid="partition-0"] td:nth-child(9)').getAttribute('data-bytes')) > 0, 'partition 0 has a size')
    await browser.screenshot('dashboard', 'topic-sizes-heatmap')
  })

  await t.test('per-topic rates: the topics list shows orders\' messages and bytes in per second and sorts by them; the topic and the overview draw 5 min, 1 h or 24 h of history', async () => {
    await page.click('a[href="#/topics"]')
    // the traffic produces to orders only: a non-zero rate there, 0 for the idle topics
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="messages-in-orders"]')?.getAttribute('data-rate')) > 0, undefined, { timeout: 15_000 })
    assert.ok(Number(await page.locator('[data-testid="bytes-in-orders"]').getAttribute('data-rate')) > 0, 'bytes in too')
    assert.equal(await page.locator('[data-testid="messages-in-payments"]').getAttribute('data-rate'), '0')
    assert.match(await page.locator('[data-testid="messages-in-orders"]').innerText(), /^[\d.]+k?\/s$/)
    const firstRow = async (): Promise<string | null> => await page.locator('[data-testid="topics"] tbody tr').first().getAttribute('data-testid')
    assert.equal(await firstRow(), 'topic-billing', 'by name first')
    await page.click('[data-testid="sort-messagesIn"]')
    await page.waitForFunction(() => document.querySelector('[data-testid="topics"] tbody tr')?.getAttribute('data-testid') === 'topic-orders', undefined, { timeout: 5000 })
    await browser.screenshot('dashboard', 'topics-by-messages-in')
    await page.click('[data-testid="sort-name"]')
    await page.waitForFunction(() => document.querySelector('[data-testid="topics"] tbody tr')?.getAttribute('data-testid') === 'topic-billing', undefined, { timeout: 5000 })

    const span = async (): Promise<[number, number]> => {
      const chart = page.locator('[data-testid="spark-messagesIn"]')
      return [Number(await chart.getAttribute('data-span-s')), Number(await chart.getAttribute('data-step-s'))]
    }
    await page.click('[data-testid="topic-orders"] a')
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="spark-messagesIn"]')?.getAttribute('data-points')) >= 3, undefined, { timeout: 15_000 })
    assert.deepEqual(await span(), [300, 1], '5 min at 1 s by default')
    assert.notEqual(await cardValue(browser, 'rate-messagesIn'), '0/s')
    await page.click('[data-testid="range-1h"]')
    await page.waitForFunction(() => document.querySelector('[data-testid="spark-messagesIn"]')?.getAttribute('data-span-s') === '3600', undefined, { timeout: 5000 })
    assert.deepEqual(await span(), [3600, 10], '1 h in 10 s buckets')
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="spark-messagesIn"]')?.getAttribute('data-points')) >= 1, undefined, { timeout: 5000 })
    await browser.screenshot('dashboard', 'topic-throughput-1h')
    await page.click('[data-testid="range-24h"]')
    await page.waitForFunction(() => document.querySelector('[data-testid="spark-messagesIn"]')?.getAttribute('data-span-s') === '86400', undefined, { timeout: 5000 })
    assert.deepEqual(await span(), [86400, 300], '24 h in 5 min buckets')
    await browser.screenshot('dashboard', 'topic-throughput-24h')

    await page.click('a[href="#/"]')
    await page.waitForFunction(() => document.querySelector('[data-testid="spark-messagesIn"]')?.getAttribute('data-span-s') === '300', undefined, { timeout: 10_000 })
    await page.click('[data-testid="range-1h"]')
    await page.waitForFunction(() => document.querySelector('[data-testid="spark-messagesIn"]')?.getAttribute('data-span-s') === '3600', undefined, { timeout: 5000 })
    await browser.screenshot('dashboard', 'overview-throughput-1h')
    await page.click('[data-testid="range-5m"]')
    await page.waitForFunction(() => document.querySelector('[data-testid="spark-messagesIn"]')?.getAttribute('data-span-s') === '300', undefined, { timeout: 5000 })

    const history = await (await fetch(`${gateway.url}/api/v1/history?range=1h&series=topic.orders.messagesIn,topic.payments.messagesIn`)).json() as { range: string, series: Record<string, { stepMs: number, values: Array<number | null> }> }
    assert.equal(history.series['topic.orders.messagesIn']?.stepMs, 10_000)
    assert.equal(history.series['topic.orders.messagesIn']?.values.length, 360)
    assert.ok(history.series['topic.orders.messagesIn']!.values.some(v => v !== null && v > 0))
    assert.equal(history.series['topic.payments.messagesIn'], undefined, 'an idle topic has no history rings')
  })

  await t.test('a topic created from the page is what kafka-topics --describe sees; partitions added and a config set from the page are what kafka-topics and kafka-configs report; deleting it asks for its name first', async () => {
    await page.click('a[href="#/topics"]')
    await page.fill('[data-testid="create-name"]', 'made-in-browser')
    await page.fill('[data-testid="create-partitions"]', '4')
    await page.fill('[data-testid="create-rf"]', '2')
    await page.click('[data-testid="create-submit"]')
    await page.waitForSelector('[data-testid="create-result"].ok-text', { timeout: 20_000 })
    await page.waitForSelector('[data-testid="topic-made-in-browser"]', { timeout: 10_000 })
    const described = await runTool('kafka-topics', ['--bootstrap-server', cluster.bootstrap, '--describe', '--topic', 'made-in-browser'])
    assert.equal(described.code, 0, described.stderr)
    assert.match(described.stdout, /Topic: made-in-browser\s.*PartitionCount: 4\s.*ReplicationFactor: 2/)
    assert.equal(described.stdout.split('\n').filter(l => /^\s+Topic: made-in-browser\s+Partition: \d/.test(l)).length, 4, described.stdout)

    await page.click('[data-testid="topic-made-in-browser"] a')
    await page.fill('[data-testid="add-partitions-count"]', '6')
    await page.click('[data-testid="add-partitions-submit"]')
    await page.waitForSelector('[data-testid="add-partitions-result"].ok-text', { timeout: 15_000 })
    await page.waitForSelector('[data-testid="partition-5"]', { timeout: 10_000 })
    const grown = await runTool('kafka-topics', ['--bootstrap-server', cluster.bootstrap, '--describe', '--topic', 'made-in-browser'])
    assert.match(grown.stdout, /Topic: made-in-browser\s.*PartitionCount: 6\s/)
    await page.fill('[data-testid="config-name"]', 'retention.ms')
    await page.fill('[data-testid="config-value"]', '3600000')
    await page.click('[data-testid="config-submit"]')
    await page.waitForSelector('[data-testid="config-retention.ms"]', { timeout: 10_000 })
    assert.match(await page.locator('[data-testid="config-retention.ms"]').innerText(), /retention\.ms\s+3600000\s+log\.retention\.(ms|minutes|hours)=\d+\s+(DEFAULT_CONFIG|STATIC_BROKER_CONFIG)/, 'the value against its default')
    const configs = await runTool('kafka-configs', ['--bootstrap-server', cluster.bootstrap, '--describe', '--entity-type', 'topics', '--entity-name', 'made-in-browser'])
    assert.equal(configs.code, 0, configs.stderr)
    assert.match(configs.stdout, /^\s+retention\.ms=3600000 /m, configs.stdout)
    await browser.screenshot('dashboard', 'topic-configs-edited')
    await page.click('a[href="#/topics"]')

    await page.fill('[data-testid="topic-search"]', 'made-in')
    await page.waitForFunction(() => document.querySelector('[data-testid="topic-total"]')?.textContent === '1 topics', undefined, { timeout: 5000 })
    await browser.screenshot('dashboard', 'topics')
    await page.click('[data-testid="delete-made-in-browser"]')
    assert.ok(await page.locator('[data-testid="delete-confirm"]').isDisabled(), 'not before the name is typed')
    await page.fill('[data-testid="delete-confirm-name"]', 'made-in-browser')
    await browser.screenshot('dashboard', 'topics-delete-confirm')
    await page.click('[data-testid="delete-confirm"]')
    await page.waitForSelector('[data-testid="topic-made-in-browser"]', { state: 'detached', timeout: 20_000 })
    await waitFor(async () => (await admin.listTopics()).includes('made-in-browser') === false, 'made-in-browser deleted in the cluster', { timeoutMs: 20_000 })
  })

  await t.test('the brokers view: leaders, partitions, configs', async () => {
    await page.click('a[href="#/brokers"]')
    await page.click('[data-testid="brokers"] a[href="#/brokers/1"]')
    await page.waitForSelector('[data-testid="broker-configs"]', { timeout: 10_000 })
    assert.match(await page.locator('[data-testid="broker-configs"]').innerText(), /broker\.id\s+1\s+STATIC_BROKER_CONFIG/)
    await page.waitForSelector('[data-testid="logdirs-1"] .logdir', { timeout: 10_000 })
    assert.ok(Number(await page.locator('[data-testid="logdirs-1"] .logdir').first().getAttribute('data-size')) > 0, 'broker 1\'s log dir holds bytes')
    assert.match(await page.locator('[data-testid="logdirs-1"]').innerText(), /of \d+(\.\d)? [KMGT]iB free/)
    // the gateway's own DescribeLogDirs reach every broker (broker 1, killed and restarted, may lead nothing produced to)
    await page.waitForSelector('[data-testid="broker-latency"] [data-testid="latency-DescribeLogDirs"]', { timeout: 10_000 })
    assert.match(await page.locator('[data-testid="latency-DescribeLogDirs"]').innerText(), /^DescribeLogDirs\s+\d+\.\d\s+\d+\.\d$/)
    assert.match(await page.locator('[data-testid="maxlag-1"]').innerText(), /^\d+$/, 'broker 1\'s MaxLag, scraped')
    assert.ok(Number(await page.locator('[data-testid="connections-1"]').innerText()) >= 1, 'broker 1\'s connections, the gateway\'s among them')
    const leaders = await page.locator('[data-testid="brokers"] tbody tr td:nth-child(5)').allInnerTexts()
    const partitions = (await admin.describeTopics(null)).reduce((n, x) => n + x.partitions.length, 0)
    assert.equal(leaders.map(Number).reduce((a, b) => a + b, 0), partitions, 'every partition has one leader')
    await browser.screenshot('dashboard', 'brokers')
  })

  await t.test('a consumer group appears with its lag, which falls to 0 as a KafkaJS member catches up; resets are dry-run first and refused while it is active', async () => {
    const billing = new Producer({ 'bootstrap.servers': cluster.bootstrap, acks: 'all', 'linger.ms': 5 })
    await Promise.all(Array.from({ length: 300 }, async (_, i) => await billing.send({ topic: 'billing', partition: i % 3, value: Buffer.from(`invoice ${i}`) })))
    await billing.close()
    // the group exists once it has committed offsets: at the start of each partition, as an idle group
    const groups = new GroupAdmin({ 'bootstrap.servers': cluster.bootstrap })
    defer(async () => await groups.close())
    await groups.alterOffsets('billing-app', [0, 1, 2].map(partition => ({ topic: 'billing', partition, offset: 0 })))
    await page.click('a[href="#/groups"]')
    await page.waitForSelector('[data-testid="group-billing-app"][data-lag="300"]', { timeout: 15_000 })
    await page.click('a[href="#/topics"]')
    await page.waitForFunction(() => /billing-app \(300\)/.test(document.querySelector('[data-testid="readers-billing"]')?.textContent ?? ''), undefined, { timeout: 10_000 })
    await page.click('a[href="#/groups"]')
    await page.waitForSelector('[data-testid="group-billing-app"]')
    await browser.screenshot('dashboard', 'groups')
    await page.click('[data-testid="group-billing-app"] a')
    await page.waitForSelector('[data-testid="gp-billing-0"]', { timeout: 10_000 })
    assert.equal(await page.locator('[data-testid="group-lag"]').innerText(), '300')
    // lag in time: the records at offset 0 were produced moments ago
    await page.waitForFunction(() => /\d+ (ms|s|min)$/.test(document.querySelector('[data-testid="gp-billing-0"] td:nth-child(6)')?.textContent ?? ''), undefined, { timeout: 10_000 })
    await page.selectOption('[data-testid="reset-spec"]', 'to-latest')
    await page.click('[data-testid="reset-dry-run"]')
    await page.waitForSelector('[data-testid="reset-plan"]', { timeout: 10_000 })
    assert.deepEqual(await page.locator('[data-testid="reset-plan"] tbody td:nth-child(4)').allInnerTexts(), ['100', '100', '100'])
    assert.match(await page.locator('[data-testid="reset-caption"]').innerText(), /Dry run/)
    assert.equal((await groups.committedOffsets('billing-app')).get('billing\u00000')?.offset, 0, 'a dry run changes nothing')
    await browser.screenshot('dashboard', 'group-reset-dry-run')

    const member = GroupMember.start('kafkajs', { bootstrap: cluster.bootstrap, group: 'billing-app', topic: 'billing' })
    defer(async () => await member.kill('SIGTERM'))
    await page.waitForFunction(() => document.querySelector('[data-testid="group-lag"]')?.textContent === '0', undefined, { timeout: 30_000 })
    await page.waitForFunction(() => document.querySelector('[data-testid="group-state"]')?.textContent === 'Stable', undefined, { timeout: 15_000 })
    assert.match(await page.locator('[data-testid="members"]').innerText(), /kafkajs-billing-app\s+\S+\s+\S+\s+billing-0, billing-1, billing-2/)
    // the chart, from the gateway's ring: 300 while idle, down to 0 once caught up
    await page.waitForFunction(() => document.querySelector('[data-testid="lag-chart"]')?.getAttribute('data-last') === '0', undefined, { timeout: 10_000 })
    assert.ok(await page.locator('[data-testid="reset-dry-run"]').isDisabled(), 'no reset while the group is active')
    const refused = await fetch(`${gateway.url}/api/v1/groups/billing-app/reset-offsets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ spec: 'to-earliest', execute: true }) })
    assert.equal(refused.status, 409)
    assert.equal((await refused.json() as { name: string }).name, 'NON_EMPTY_GROUP')
    await browser.screenshot('dashboard', 'group')
    const doc = await (await fetch(`${gateway.url}/api/v1/groups/billing-app`)).json() as { status: string, partitions: Record<string, { lag: number, status: string }> }
    assert.deepEqual(Object.values(doc.partitions).map(p => p.lag), [0, 0, 0])
    assert.equal(doc.status, 'OK', 'caught up: Burrow\'s rules say OK')
  })

  await t.test('messages: a record produced from the form shows in the live tail and kcat reads it; one produced by kcat shows in the browser; a search says what it scanned', { skip: existsSync(KCAT) ? false : 'kcat is not installed' }, async () => {
    await page.goto(`${gateway.url}/#/topics/payments/messages`)
    await page.click('[data-testid="tail"]')
    await page.waitForSelector('[data-testid="tail-status"]')
    await page.fill('[data-testid="produce-key"]', 'k-browser')
    await page.fill('[data-testid="produce-value"]', 'from the browser')
    await page.fill('[data-testid="produce-headers"]', 'source=dashboard')
    await page.click('[data-testid="produce-submit"]')
    await page.waitForSelector('[data-testid="produce-result"].ok-text', { timeout: 15_000 })
    const ack = /partition (\d+) at offset (\d+)/.exec(await page.locator('[data-testid="produce-result"]').innerText())
    assert.ok(ack !== null, 'the ack names partition and offset')
    const [, partition, offset] = ack
    await page.waitForSelector(`[data-testid="record-${partition!}-${offset!}"]`, { timeout: 15_000 })
    assert.match(await page.locator(`[data-testid="record-${partition!}-${offset!}"]`).innerText(), /k-browser\s+from the browser\s+source=dashboard/)
    const read = await runProcess(KCAT, ['-C', '-b', cluster.bootstrap, '-t', 'payments', '-p', partition!, '-o', offset!, '-c', '1', '-e', '-q', '-f', '%k|%s|%h\n'])
    assert.equal(read.stdout.trim(), 'k-browser|from the browser|source=dashboard')

    await runProcess(KCAT, ['-P', '-b', cluster.bootstrap, '-t', 'payments', '-K', '\t', '-H', 'from=kcat', '-q'], { input: 'k-kcat\t{"from":"kcat","n":[1,2]}\n' })
    await page.waitForFunction(() => /k-kcat/.test(document.querySelector('[data-testid="records"]')?.textContent ?? ''), undefined, { timeout: 15_000 })
    await page.selectOption('[data-testid="decoding"]', 'json')
    assert.match(await page.locator('[data-testid="records"]').innerText(), /"from": "kcat",/)
    await browser.screenshot('dashboard', 'messages-live-tail')
    await page.click('[data-testid="tail"]')

    await page.selectOption('[data-testid="seek-kind"]', 'beginning')
    await page.click('[data-testid="add-filter"]')
    await page.fill('[data-testid="filter-text-0"]', 'kcat')
    await page.click('[data-testid="search"]')
    await page.waitForSelector('[data-testid="scan-summary"][data-complete="true"]', { timeout: 10_000 })
    assert.equal(await page.locator('[data-testid="records"] tbody tr').count(), 1)
    assert.match(await page.locator('[data-testid="scan-summary"]').innerText(), /1 records matched of 2 read/)
    await page.selectOption('[data-testid="decoding"]', 'hex')
    await browser.screenshot('dashboard', 'messages-search')
    await page.click('[data-testid="produce-again"]')
    // the form is filled by an effect after the click's render
    await page.waitForFunction(() => (document.querySelector('[data-testid="produce-key"]') as unknown as { value: string }).value === 'k-kcat', undefined, { timeout: 5000 })
    assert.equal(await page.locator('[data-testid="produce-key"]').inputValue(), 'k-kcat', 'produce again copies the record, whatever it is shown as')
    assert.equal(await page.locator('[data-testid="produce-value"]').inputValue(), '{"from":"kcat","n":[1,2]}')
    assert.equal(await page.locator('[data-testid="produce-headers"]').inputValue(), 'from=kcat')
    const unsafe = await fetch(`${gateway.url}/api/v1/topics/payments/records`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seek: { kind: 'beginning' }, filters: [{ field: 'value', op: 'regex', text: '(a+)+$' }] }) })
    assert.equal(unsafe.status, 400)
    assert.match((await unsafe.json() as { message: string }).message, /nested repetition/)
  })

  await t.test('the timeline shows the broker\'s death, the leader changes and the group\'s rebalances, a second member\'s timed by its coordinator', async () => {
    await page.goto(`${gateway.url}/#/timeline`)
    await page.waitForSelector('[data-testid="timeline"] tr[data-kind="broker-left"]', { timeout: 10_000 })
    assert.ok(await page.locator('[data-testid="timeline"] tr[data-kind="leader-change"]').count() >= 1)
    assert.ok(await page.locator('[data-testid="timeline"] tr[data-kind="broker-joined"]').count() >= 1)
    await page.waitForSelector('[data-testid="timeline"] tr[data-kind="rebalance"]:has-text("billing-app")', { timeout: 10_000 })

    // a second KafkaJS member joins billing-app: the KafkaJS member already in it learns of the
    // rebalance from its next heartbeat and rejoins; the coordinator times it, and its /metrics tell the gateway.
    // Its client id is long, as a pod's can be, and its member id (client id and a UUID) longer, without a space
    const clientId = 'billing-app-reconciliation-worker.eu-west-1.prod.k8s-cluster-07.namespace-payments.deployment-billing-consumer-7f9c6d8b5c-x2x7q.container-main'
    const { generation } = await (await fetch(`${gateway.url}/api/v1/groups/billing-app`)).json() as { generation: number }
    const startedMs = Date.now()
    const second = GroupMember.start('kafkajs', { bootstrap: cluster.bootstrap, group: 'billing-app', topic: 'billing', clientId })
    defer(async () => await second.kill('SIGTERM'))
    const timedRow = '[data-testid="timeline"] tr[data-kind="rebalance"]:has-text("billing-app"):has-text("2 members"):has([data-testid="rebalance-duration"])'
    await page.waitForSelector(timedRow, { timeout: 30_000 })
    const elapsedMs = Date.now() - startedMs
    const row = page.locator(timedRow).first()
    const durationMs = Number(await row.locator('[data-testid="rebalance-duration"]').getAttribute('data-ms'))
    assert.ok(durationMs > 0 && durationMs < elapsedMs, `the rebalance took ${durationMs} ms, within the ${elapsedMs} ms since the second member started`)
    const text = await row.innerText()
    assert.match(text, /billing-app: generation (\d+), 2 members, protocol range, \d+(\.\d\d s| ms) \(member joined\)/)
    assert.match(text.replace(/\s/g, ''), new RegExp(`joined:${clientId.replaceAll('.', '\\.')}\\(${clientId.replaceAll('.', '\\.')}-[0-9a-f-]{36}\\)`), 'the long member id is shown whole, wrapped')
    // the entry wraps within the page: neither the table nor the page scrolls sideways
    await assertNoSidewaysScroll(page, 'timeline')
    assert.ok(Number(/generation (\d+)/.exec(text)![1]) > generation, `a generation after ${generation}: ${text}`)
    const { events } = await (await fetch(`${gateway.url}/api/v1/timeline`)).json() as { events: Record<string, { kind: string, detail: Record<string, unknown> }> }
    const timed = Object.values(events).filter(e => e.kind === 'rebalance' && e.detail['group'] === 'billing-app' && e.detail['durationMs'] === durationMs)
    assert.equal(timed.length, 1, JSON.stringify(events))
    assert.equal(timed[0]!.detail['reason'], 'member joined')
    await browser.screenshot('dashboard', 'timeline')

    await page.selectOption('[data-testid="timeline-kind"]', 'leader-change')
    assert.equal(await page.locator('[data-testid="timeline"] tbody tr:not([data-kind="leader-change"])').count(), 0, 'filtered by kind')
    await page.click('[data-testid="timeline"] tbody tr a')
    await page.waitForSelector('[data-testid="partitions"]', { timeout: 10_000 })

    // the group's view wraps the same long client id, in its members and as a partition's owner
    await page.goto(`${gateway.url}/#/groups/billing-app`)
    await page.waitForFunction(id => document.querySelector('[data-testid="members"]')?.textContent?.includes(id) === true, clientId, { timeout: 15_000 })
    await assertNoSidewaysScroll(page, 'members')
    await browser.screenshot('dashboard', 'group-long-member')
  })

  await t.test('the ZooKeeper view: znodes with data and stat, and the sessions holding /controller and each /brokers/ids/N', async () => {
    await page.goto(`${gateway.url}/#/zookeeper/brokers/ids`)
    await page.waitForSelector('[data-testid="ephemeral-owners"]', { timeout: 10_000 })
    const owners = await page.locator('[data-testid="ephemeral-owners"] tbody tr').allInnerTexts()
    assert.deepEqual(owners.map(o => o.split(/\s+/)[0]), ['/controller', '/brokers/ids/1', '/brokers/ids/2', '/brokers/ids/3'])
    for (const o of owners) assert.match(o, /0x[0-9a-f]+\s+broker \d$/)
    const controllerNow = (await (await fetch(`${gateway.url}/api/v1/cluster`)).json() as { controller: { id: number } }).controller.id
    assert.match(owners[0]!, new RegExp(`broker ${controllerNow}$`), 'the controller\'s session is its broker\'s')
    assert.deepEqual(await page.locator('[data-testid="znode-children"] li').allInnerTexts(), ['1', '2', '3'])
    await page.click('[data-testid="znode-children"] a >> text=1')
    await page.waitForFunction(() => /"host"/.test(document.querySelector('[data-testid="znode-data"]')?.textContent ?? ''), undefined, { timeout: 10_000 })
    assert.match(await page.locator('[data-testid="znode-stat"]').innerText(), /ephemeralOwner\s+0x[0-9a-f]+/)
    assert.match(await page.locator('[data-testid="znode-stat"]').innerText(), /numChildren\s+0/)
    await browser.screenshot('dashboard', 'zookeeper')
  })

  await t.test('the browser logged no errors', () => {
    assert.deepEqual(browser.consoleErrors, [])
  })

  await t.test('with tokens and read-only: the API and page need the token, changes are refused, and a restarted gateway is picked up again', async () => {
    const [port] = await freePorts(1)
    const locked = await GatewayProcess.start(cluster.bootstrap, {
      'zookeeper.connect': cluster.zkConnect,
      'gateway.listener': `http://127.0.0.1:${port!}`,
      'gateway.auth.tokens': TOKEN,
      'gateway.read.only': true,
    })
    defer(async () => await locked.cleanup())
    assert.equal((await fetch(`${locked.url}/api/v1/cluster`)).status, 401)
    assert.equal((await fetch(`${locked.url}/`)).status, 401)
    const bearer = { authorization: `Bearer ${TOKEN}` }
    assert.equal((await fetch(`${locked.url}/api/v1/cluster`, { headers: bearer })).status, 200)
    const refused = await fetch(`${locked.url}/api/v1/topics`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'nope', partitions: 1, replicationFactor: 1 }) })
    assert.equal(refused.status, 403)
    assert.equal((await refused.json() as { name: string }).name, 'TOPIC_AUTHORIZATION_FAILED')
    for (const [path, body] of [['topics/payments/partitions', { count: 3 }], ['topics/payments/configs', { set: { 'retention.ms': '1000' } }]] as const) {
      const change = await fetch(`${locked.url}/api/v1/${path}`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify(body) })
      assert.equal(change.status, 403, path)
      assert.equal((await change.json() as { name: string }).name, 'TOPIC_AUTHORIZATION_FAILED')
    }

    const other = await BrowserSession.open()
    defer(async () => await other.close())
    await other.page.goto(`${locked.url}/?token=${TOKEN}`)
    assert.equal(new URL(other.page.url()).search, '', 'the token leaves the address bar')
    await other.page.waitForSelector('[data-testid="broker-1"][data-live="true"]', { timeout: 15_000 })
    await other.page.click('a[href="#/topics"]')
    await other.page.waitForSelector('[data-testid="read-only"]')
    assert.equal(await other.page.locator('[data-testid="create-topic"]').count(), 0)
    assert.equal(await other.page.locator('button.danger').count(), 0)
    await other.page.goto(`${locked.url}/#/topics/payments/messages`)
    await other.page.waitForSelector('[data-testid="produce-read-only"]')
    const reset = await fetch(`${locked.url}/api/v1/groups/billing-app/reset-offsets`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify({ spec: 'to-earliest', execute: true }) })
    assert.equal(reset.status, 403)
    assert.equal((await reset.json() as { name: string }).name, 'GROUP_AUTHORIZATION_FAILED')
    await other.page.goto(`${locked.url}/#/`)

    // the gateway goes away: the page says its data is stale, and comes back live without a reload
    other.allow = /WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/ws' failed/
    await locked.stop()
    await other.page.waitForSelector('[data-testid="stale-banner"]', { timeout: 5000 })
    await other.screenshot('dashboard', 'stale-banner')
    await locked.start()
    await other.page.waitForSelector('[data-testid="stale-banner"]', { state: 'detached', timeout: 20_000 })
    await other.page.waitForSelector('[data-testid="connection"]:has-text("live")')
    assert.deepEqual(other.consoleErrors, [])
  })
})
