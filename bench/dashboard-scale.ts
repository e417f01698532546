/**
 * The dashboard at scale (issue 13): --topics topics of --partitions-per-topic partitions (10,000
 * partitions by default, RF=1 on one broker: creating them is set-up, timed and printed, not the
 * measurement) and --groups consumer groups, each with committed offsets on --group-partitions
 * partitions of one topic; a real gateway process with zookeeper.connect; Debian's headless
 * chromium (playwright-core) opening the page. Measured, --repeat times each, from navigation
 * start (performance.now() in the page) to the view's rows in the DOM:
 *  - the overview (the baseline in the same run: the smallest view),
 *  - the topics view's first page (paged and searched on the server),
 *  - the groups view's first page, and one group's detail view (its offsets and lag),
 * and the JSON API answers behind them (GET /api/v1/topics, /groups, /groups/<id>, ms).
 *
 *   node dist/bench/dashboard-scale.js [--topics 100] [--partitions-per-topic 100] [--groups 1000]
 *     [--group-partitions 5] [--repeat 5]
 */
import { Admin } from '../src/client/admin.js'
import { GroupAdmin } from '../src/client/group-admin.js'
import { BrowserSession, noChromium } from '../integration-tests/support/browser.js'
import { startCluster } from '../integration-tests/support/cluster.js'
import { GatewayProcess } from '../integration-tests/support/gateway.js'
import { waitFor } from '../integration-tests/support/wait-for.js'
import { parseArgs, say } from './support/bench-cli.js'

const args = parseArgs(process.argv.slice(2))
const topics = Number(args.topics ?? 100)
const perTopic = Number(args['partitions-per-topic'] ?? 100)
const groups = Number(args.groups ?? 1000)
const groupPartitions = Math.min(perTopic, Number(args['group-partitions'] ?? 5))
const repeat = Number(args.repeat ?? 5)

const pad = (n: number, width: number): string => String(n).padStart(width, '0')
const topicName = (i: number): string => `t-${pad(i, 4)}`
const groupName = (i: number): string => `g-${pad(i, 4)}`

function summary (ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b)
  return `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms (${sorted.map(m => m.toFixed(0)).join(', ')})`
}

async function main (): Promise<void> {
  if (noChromium !== false) throw new Error(noChromium)
  const cluster = await startCluster({ brokers: 1, config: { 'offsets.topic.replication.factor': 1 } })
  const admin = new Admin({ 'bootstrap.servers': cluster.bootstrap })
  const groupAdmin = new GroupAdmin({ 'bootstrap.servers': cluster.bootstrap })
  let gateway: GatewayProcess | undefined
  let browser: BrowserSession | undefined
  try {
    let t0 = Date.now()
    for (let i = 0; i < topics; i += 10) {
      const batch = Array.from({ length: Math.min(10, topics - i) }, (_, j) => ({ name: topicName(i + j), numPartitions: perTopic, replicationFactor: 1 }))
      const results = await admin.createTopics(batch, { timeoutMs: 600_000 })
      // 36 TOPIC_ALREADY_EXISTS: the client retried a CreateTopics whose first try went through
      const failed = results.find(r => r.errorCode !== 0 && r.errorCode !== 36)
      if (failed !== undefined) throw new Error(`creating topics failed: ${JSON.stringify(failed)}`)
    }
    await waitFor(async () => {
      const described = await admin.describeTopics(null)
      return described.reduce((n, t) => n + t.partitions.filter(p => p !== undefined && p.leader >= 0).length, 0) >= topics * perTopic
    }, `${topics * perTopic} partitions with leaders`, { timeoutMs: 1_800_000, intervalMs: 2000 })
    say(`set-up: ${topics} topics x ${perTopic} partitions (RF=1, one broker) created and led in ${((Date.now() - t0) / 1000).toFixed(1)} s`)

    t0 = Date.now()
    for (let i = 0; i < groups; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, groups - i) }, async (_, j) => {
        const g = i + j
        await groupAdmin.alterOffsets(groupName(g), Array.from({ length: groupPartitions }, (_, p) => ({ topic: topicName(g % topics), partition: p, offset: 0 })))
      }))
    }
    say(`set-up: ${groups} groups committed offsets on ${groupPartitions} partitions each in ${((Date.now() - t0) / 1000).toFixed(1)} s`)

    t0 = Date.now()
    gateway = await GatewayProcess.start(cluster.bootstrap, { 'zookeeper.connect': cluster.zkConnect })
    const url = gateway.url
    const total = async (path: string): Promise<number> => ((await (await fetch(`${url}/api/v1/${path}`)).json()) as { total: number }).total
    await waitFor(async () => await total('topics?limit=1') === topics && await total('groups?limit=1') === groups,
      `the gateway to know ${topics} topics and ${groups} groups`, { timeoutMs: 300_000, intervalMs: 500 })
    say(`set-up: the gateway knew every topic and group (read from __consumer_offsets) ${((Date.now() - t0) / 1000).toFixed(1)} s after it started`)

    const api: Record<string, number[]> = { topics: [], groups: [], group: [] }
    for (let i = 0; i < repeat; i++) {
      for (const [name, path] of [['topics', 'topics?limit=50'], ['groups', 'groups?limit=50'], ['group', `groups/${groupName(groups >> 1)}`]] as const) {
        const start = performance.now()
        const r = await fetch(`${url}/api/v1/${path}`)
        await r.arrayBuffer()
        api[name]!.push(performance.now() - start)
      }
    }

    browser = await BrowserSession.open()
    const page = browser.page
    const views: Array<[string, string, string]> = [
      ['overview (baseline)', '#/', '[data-testid="overview-brokers"] tbody tr'],
      ['topics view, first page', '#/topics', '[data-testid="topics"] tbody tr'],
      ['groups view, first page', '#/groups', '[data-testid="groups"] tbody tr'],
      ['one group\'s view', `#/groups/${groupName(groups >> 1)}`, '[data-testid="group-partitions"] tbody tr'],
    ]
    for (const [name, hash, selector] of views) {
      const times: number[] = []
      for (let i = 0; i < repeat; i++) {
        await page.goto('about:blank')
        await page.goto(`${url}/${hash}`)
        await page.waitForSelector(selector, { timeout: 30_000 })
        times.push(await page.evaluate(() => performance.now()))
      }
      say(`${name}: ${summary(times)} from navigation to its rows`)
      if (name.startsWith('topics')) await browser.screenshot('bench', 'dashboard-scale-topics')
      if (name.startsWith('groups')) await browser.screenshot('bench', 'dashboard-scale-groups')
    }
    for (const [name, ms] of Object.entries(api)) say(`GET /api/v1/${name === 'group' ? 'groups/<id>' : name}: ${summary(ms)}`)
    if (browser.consoleErrors.length > 0) throw new Error(`browser errors: ${browser.consoleErrors.join('; ')}`)
  } finally {
    await browser?.close()
    await gateway?.cleanup()
    await groupAdmin.close()
    await admin.close()
    await cluster.cleanup()
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
