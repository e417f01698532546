import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Admin } from '../src/client/admin.js'
import { Producer } from '../src/client/producer.js'
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

/** What the functions handed to page.waitForFunction see: they run in the page. */
declare const document: { querySelector: (s: string) => { textContent: string | null, getAttribute: (name: string) => string | null } | null, querySelectorAll: (s: string) => { length: number } }

const cardValue = async (s: BrowserSession, testId: string): Promise<string> => await s.page.locator(`[data-testid="${testId}"] .card-value`).innerText()

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

  await t.test('a topic created from the page is what kafka-topics --describe sees; deleting it asks for its name first', async () => {
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
    const leaders = await page.locator('[data-testid="brokers"] tbody tr td:nth-child(5)').allInnerTexts()
    assert.equal(leaders.map(Number).reduce((a, b) => a + b, 0), 6 + 2, 'every partition has one leader')
    await browser.screenshot('dashboard', 'brokers')
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

    const other = await BrowserSession.open()
    defer(async () => await other.close())
    await other.page.goto(`${locked.url}/?token=${TOKEN}`)
    assert.equal(new URL(other.page.url()).search, '', 'the token leaves the address bar')
    await other.page.waitForSelector('[data-testid="broker-1"][data-live="true"]', { timeout: 15_000 })
    await other.page.click('a[href="#/topics"]')
    await other.page.waitForSelector('[data-testid="read-only"]')
    assert.equal(await other.page.locator('[data-testid="create-topic"]').count(), 0)
    assert.equal(await other.page.locator('button.danger').count(), 0)

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
