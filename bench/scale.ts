/**
 * The cluster at scale (issue 17): --topics topics of --partitions-per-topic partitions with
 * replication factor --rf on --brokers brokers (real ZooKeeper, real broker processes), then:
 *  1. creating them: CreateTopics requests of --topics-per-request topics, --in-flight at a time,
 *     until every partition has a leader in every broker's Metadata (target <= 15 s for 10,000),
 *     and until every broker has created the log of each replica it holds: the cluster is settled
 *     before anything below, so that the restarts measure restarting, not the rest of the creation;
 *  2. Metadata for all topics, median and max of --repeat requests to each broker (target <= 50 ms);
 *  3. broker RSS per idle partition replica (aim <= 20 KB), over the replicas the broker holds: RSS
 *     right after creation minus RSS before it, and then, after --idle-seconds with nothing to do,
 *     RSS minus RSS of the broker before creation after as long an idle time. The garbage of the
 *     creation stays in the heap until V8's memory reducer collects it, which it does once the
 *     allocation rate has been low for a while (checked every 8 s): the first figure includes it,
 *     the second is the broker at rest (so is its baseline: a broker just started holds garbage too);
 *  4. kill -9 of the last broker: every partition it led has a new leader in the survivors' Metadata
 *     (target <= zookeeper.session.timeout.ms + 3 s); with RF=1 there is no survivor to lead, so
 *     this step is skipped;
 *  5. restart after that kill -9, and 6. a clean restart (SIGTERM): from the start of the process to
 *     the broker serving every replica it holds again, i.e. its Metadata shows every partition led
 *     and it is back in the ISR of each (target <= 15 s each).
 * With --cpu-prof every broker runs under `node --cpu-prof`; the brokers are stopped cleanly after
 * step 3 (their profiles are written on exit) and the top functions by self time are printed, and
 * the run ends there.
 *
 *   node dist/bench/scale.js [--brokers 3] [--topics 1000] [--partitions-per-topic 10] [--rf 3]
 *     [--session-timeout-ms 6000] [--topics-per-request 50] [--in-flight 4] [--repeat 20] [--idle-seconds 60] [--cpu-prof]
 *   npm run bench:scale     (the defaults above: 10,000 partitions, RF=3, 3 brokers)
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Admin } from '../src/client/admin.js'
import { MetadataRequest, MetadataResponse } from '../src/protocol/messages/metadata.js'
import type { BrokerProcess } from '../integration-tests/support/broker.js'
import { startCluster, type Cluster } from '../integration-tests/support/cluster.js'
import { partitionsInMetadata, type PartitionRow } from '../integration-tests/support/cluster-state.js'
import { waitFor } from '../integration-tests/support/wait-for.js'
import { WireConnection } from '../integration-tests/support/wire-connection.js'
import { stopAndSummarizeBrokers } from './support/cpu-profile.js'
import { parseArgs, say } from './support/bench-cli.js'

const args = parseArgs(process.argv.slice(2))
const brokerCount = Number(args.brokers ?? 3)
const topics = Number(args.topics ?? 1000)
const perTopic = Number(args['partitions-per-topic'] ?? 10)
const rf = Number(args.rf ?? 3)
const sessionTimeoutMs = Number(args['session-timeout-ms'] ?? 6000)
const topicsPerRequest = Number(args['topics-per-request'] ?? 50)
const inFlight = Number(args['in-flight'] ?? 4)
const repeat = Number(args.repeat ?? 20)
const idleSeconds = Number(args['idle-seconds'] ?? 60)
const cpuProf = args['cpu-prof'] !== undefined
const total = topics * perTopic
const topicName = (i: number): string => `scale-${String(i).padStart(5, '0')}`

/** The bench's partitions in one broker's Metadata. */
async function metadataOf (broker: BrokerProcess): Promise<PartitionRow[] | undefined> {
  return await partitionsInMetadata(broker.bootstrap, 'scale-')
}

function rssKiB (pid: number | undefined): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
  return Number(kb)
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`

/**
 * Each broker's RSS after --idle-seconds of no requests, in KiB, and its RSS every 5 s meanwhile
 * in MiB. Nothing to await here: the idle time itself is what is measured.
 */
async function rssWhenIdle (cluster: Cluster): Promise<Array<{ rss: number, samples: string[] }>> {
  const samples: string[][] = cluster.brokers.map(() => [])
  for (let waited = 0; waited < idleSeconds; waited += 5) {
    await new Promise(resolve => setTimeout(resolve, Math.min(5, idleSeconds - waited) * 1000))
    cluster.brokers.forEach((b, i) => samples[i]!.push((rssKiB(b.pid) / 1024).toFixed(0)))
  }
  return cluster.brokers.map((b, i) => ({ rss: rssKiB(b.pid), samples: samples[i]! }))
}

async function createAll (cluster: Cluster): Promise<number> {
  const admin = new Admin({ 'bootstrap.servers': cluster.bootstrap })
  const started = Date.now()
  try {
    let next = 0
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next < topics) {
        const first = next
        next = Math.min(topics, next + topicsPerRequest)
        const batch = Array.from({ length: next - first }, (_, j) => ({ name: topicName(first + j), numPartitions: perTopic, replicationFactor: rf }))
        // timeoutMs 0: answered once the topics are in ZooKeeper; leaders are awaited below, in Metadata.
        const failed = (await admin.createTopics(batch, { timeoutMs: 0 })).find(r => r.errorCode !== 0)
        if (failed !== undefined) throw new Error(`creating topics failed: ${JSON.stringify(failed)}`)
      }
    }))
  } finally {
    await admin.close()
  }
  await waitFor(async () => {
    for (const b of cluster.brokers) {
      const rows = await metadataOf(b)
      if (rows === undefined || rows.length < total || rows.some(r => r.leader < 0)) return false
    }
    return true
  }, `${total} partitions led in every broker's Metadata`, { timeoutMs: 1_800_000, intervalMs: 250 })
  return Date.now() - started
}

/**
 * How long until every broker has created the log of each replica it holds (its directory in the
 * broker's log dir). Metadata cannot tell: a new partition's ISR lists all its replicas from the start.
 */
async function allLogsCreated (cluster: Cluster): Promise<number> {
  const started = Date.now()
  const rows = (await metadataOf(cluster.brokers[0]!))!
  await waitFor(async () => cluster.brokers.every(b => {
    const held = rows.filter(r => r.replicas.includes(b.spec.brokerId)).length
    return readdirSync(join(b.dir, 'data')).filter(name => name.startsWith('scale-')).length >= held
  }), `every one of the ${total * rf} replicas' logs created`, { timeoutMs: 1_800_000, intervalMs: 250 })
  return Date.now() - started
}

async function timeMetadata (broker: BrokerProcess): Promise<number[]> {
  const conn = await WireConnection.open(broker.bootstrap)
  try {
    const times: number[] = []
    for (let i = 0; i < repeat; i++) {
      const start = performance.now()
      const res = await conn.request(MetadataRequest, MetadataResponse, 7, { topics: null, allowAutoTopicCreation: false }, 30_000)
      times.push(performance.now() - start)
      if (res.topics.length < topics) throw new Error(`Metadata of ${broker.bootstrap} listed ${res.topics.length} topics`)
    }
    return times.sort((a, b) => a - b)
  } finally {
    conn.close()
  }
}

/** From the process start until the broker's own Metadata shows every partition led and it is in the ISR of each of its replicas. */
async function timeRestart (broker: BrokerProcess, replicasOf: Set<string>): Promise<number> {
  const started = Date.now()
  await broker.start(600_000)
  await waitFor(async () => {
    const rows = await metadataOf(broker)
    return rows !== undefined && rows.length === total && rows.every(r => r.leader >= 0 && (!replicasOf.has(`${r.topic}-${r.partition}`) || r.isr.includes(broker.spec.brokerId)))
  }, `broker ${broker.spec.brokerId} serving its ${replicasOf.size} replicas`, { timeoutMs: 600_000, intervalMs: 250 })
  return Date.now() - started
}

async function main (): Promise<void> {
  const profileDir = mkdtempSync(join(tmpdir(), 'bench-scale-prof-'))
  const cluster = await startCluster({
    brokers: brokerCount,
    config: { 'zookeeper.session.timeout.ms': sessionTimeoutMs, 'auto.leader.rebalance.enable': false, 'offsets.topic.replication.factor': Math.min(3, brokerCount), 'default.replication.factor': rf },
    nodeArgs: cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  })
  try {
    say(`# scale: ${topics} topics x ${perTopic} partitions (${total} partitions), RF=${rf}, ${brokerCount} brokers, zookeeper.session.timeout.ms ${sessionTimeoutMs}${cpuProf ? ', brokers under --cpu-prof' : ''}, ${new Date().toISOString()}`)
    const rssBefore = cluster.brokers.map(b => rssKiB(b.pid))
    const idleBefore = idleSeconds > 0 ? await rssWhenIdle(cluster) : []
    const createMs = await createAll(cluster)
    say(`create ${total} partitions (${topicsPerRequest} topics per CreateTopics, ${inFlight} in flight) until every broker's Metadata shows their leaders: ${seconds(createMs)} (target <= 15 s)`)
    const logsMs = await allLogsCreated(cluster)
    say(`... and until every broker has created the logs of the ${total * rf} replicas: ${seconds(createMs + logsMs)}`)

    for (const b of cluster.brokers) {
      const times = await timeMetadata(b)
      say(`Metadata for all ${topics} topics from broker ${b.spec.brokerId}: median ${times[times.length >> 1]!.toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms over ${repeat} (target <= 50 ms)`)
    }

    const rows = (await metadataOf(cluster.brokers[0]!))!
    const hostedBy = cluster.brokers.map(b => rows.filter(r => r.replicas.includes(b.spec.brokerId)).length)
    for (const [i, b] of cluster.brokers.entries()) {
      const hosted = hostedBy[i]!
      const rss = rssKiB(b.pid)
      say(`broker ${b.spec.brokerId} RSS ${(rss / 1024).toFixed(0)} MiB with ${hosted} replicas (${(rssBefore[i]! / 1024).toFixed(0)} MiB before): ${((rss - rssBefore[i]!) / hosted).toFixed(1)} KiB per idle replica right after creating them (aim <= 20 KB)`)
    }
    if (idleSeconds > 0) {
      for (const [i, idle] of (await rssWhenIdle(cluster)).entries()) {
        const b = cluster.brokers[i]!
        const hosted = hostedBy[i]!
        const before = idleBefore[i]!
        say(`broker ${b.spec.brokerId} RSS ${(idle.rss / 1024).toFixed(0)} MiB after ${idleSeconds} s idle with ${hosted} replicas (${(before.rss / 1024).toFixed(0)} MiB after ${idleSeconds} s idle before creating them): ${((idle.rss - before.rss) / hosted).toFixed(1)} KiB per idle replica (aim <= 20 KB); RSS every 5 s while idle, before: ${before.samples.join(' ')} MiB, after: ${idle.samples.join(' ')} MiB`)
      }
    }

    if (cpuProf) {
      await stopAndSummarizeBrokers(cluster.brokers, profileDir, 30, say)
      return
    }

    const victim = cluster.brokers.at(-1)!
    const victimId = victim.spec.brokerId
    const replicasOf = new Set(rows.filter(r => r.replicas.includes(victimId)).map(r => `${r.topic}-${r.partition}`))
    const ledByVictim = new Set(rows.filter(r => r.leader === victimId).map(r => `${r.topic}-${r.partition}`))
    const survivors = cluster.brokers.filter(b => b !== victim)
    const killedAt = Date.now()
    await victim.kill('SIGKILL')
    if (rf > 1 && survivors.length > 0) {
      await waitFor(async () => {
        for (const b of survivors) {
          const view = await metadataOf(b)
          if (view === undefined || view.some(r => ledByVictim.has(`${r.topic}-${r.partition}`) && (r.leader < 0 || r.leader === victimId))) return false
        }
        return true
      }, `new leaders for the ${ledByVictim.size} partitions broker ${victimId} led`, { timeoutMs: 600_000, intervalMs: 100 })
      say(`kill -9 of broker ${victimId}: its ${ledByVictim.size} partitions led by survivors in their Metadata after ${seconds(Date.now() - killedAt)} (target <= session timeout + 3 s = ${seconds(sessionTimeoutMs + 3000)})`)
    }
    say(`restart of broker ${victimId} after kill -9 until it serves its ${replicasOf.size} replicas: ${seconds(await timeRestart(victim, replicasOf))} (target <= 15 s)`)
    await victim.stop()
    say(`clean restart (SIGTERM, start) of broker ${victimId} until it serves its ${replicasOf.size} replicas: ${seconds(await timeRestart(victim, replicasOf))} (target <= 15 s)`)
  } finally {
    await cluster.cleanup()
    rmSync(profileDir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
