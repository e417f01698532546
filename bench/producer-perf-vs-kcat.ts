/**
 * Our kafka-producer-perf-test against kcat (librdkafka 2.0.2) producing the same records (--records
 * lines of --value-bytes random uppercase letters, null keys) to the same one-partition topic of the
 * same broker (real ZooKeeper, one broker process), with the same producer settings, for --rounds
 * rounds, rotating who goes first.
 *
 * The comparison is wall clock for both, spawn to exit: kcat prints no rate of its own, so the
 * only figure measured the same way for both is the whole run (process start-up, connecting,
 * metadata, producing, the final flush). The start-up and shut-down part is fixed per run: it is
 * measured once per tool (median of three runs producing one record) and the "net" rates
 * subtract it, which is the same comparison without start-up weighing on either side. CPU time
 * (user + sys, from bash's `time`) is shown per record; it moves less than wall clock when other
 * processes share the cores. Ours also prints its own records/sec (first send to last delivery);
 * it is shown but never compared with kcat's wall figure.
 *
 * --before <dir>: also runs dist/src/cli/kafka-producer-perf-test.js of another build (e.g. a
 * `git archive` of an older commit, built) in the same rounds, for before/after figures.
 *
 * --idempotent: also runs kcat with enable.idempotence=true (which implies acks=all) to its own
 * topic in the same rounds: the idempotent producer's cost against kcat at --acks all.
 *
 *   npx tsc -p . && node dist/bench/producer-perf-vs-kcat.js [--records 1000000] [--value-bytes 100]
 *     [--rounds 5] [--batch-size 1048576] [--linger-ms 5] [--acks 1] [--before <dir>] [--idempotent]
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Admin } from '../src/client/admin.js'
import { startCluster } from '../integration-tests/support/cluster.js'
import { projectRoot } from '../integration-tests/support/broker.js'

const args = parseArgs(process.argv.slice(2))
const records = Number(args.records ?? 1_000_000)
const valueBytes = Number(args['value-bytes'] ?? 100)
const rounds = Number(args.rounds ?? 5)
const batchSize = Number(args['batch-size'] ?? 1_048_576)
const lingerMs = Number(args['linger-ms'] ?? 5)
const acks = String(args.acks ?? '1')
const before = args.before
const idempotent = args.idempotent === 'true'

interface Run { wallS: number, userS: number, sysS: number, selfRate?: number }
interface Contestant { name: string, run: (n: number) => Promise<Run>, startupS: number, runs: Run[] }

export async function main (): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-perf-kcat-'))
  const cluster = await startCluster({ brokers: 1 })
  try {
    const admin = new Admin({ 'bootstrap.servers': cluster.bootstrap })
    await admin.createTopics(['ours', 'kcat', 'before', 'kcat-idempotent'].map(name => ({ name, numPartitions: 1, replicationFactor: 1 })))
    await admin.close()
    const line = Buffer.alloc(valueBytes + 1, '\n')
    for (let i = 0; i < valueBytes; i++) line[i] = 65 + Math.floor(Math.random() * 26)
    const payload = (n: number): string => {
      const file = join(work, `payload-${n}.txt`)
      writeFileSync(file, Buffer.concat(Array.from({ length: n }, () => line)))
      return file
    }
    const files = new Map([[1, payload(1)], [records, payload(records)]])
    say(`producer-perf-vs-kcat: ${records} records of ${valueBytes} bytes, acks=${acks}${idempotent ? ' (and kcat with enable.idempotence=true)' : ''} linger.ms=${lingerMs} batch.size=${batchSize}, broker ${cluster.bootstrap}`)
    const perfTest = (root: string, topic: string) => async (n: number): Promise<Run> => await timed(process.execPath, [join(root, 'dist/src/cli/kafka-producer-perf-test.js'), '--topic', topic,
      '--num-records', String(n), '--record-size', String(valueBytes), '--throughput', '-1', '--producer-props',
      `bootstrap.servers=${cluster.bootstrap}`, `acks=${acks}`, `linger.ms=${lingerMs}`, `batch.size=${batchSize}`])
    const kcatRun = (topic: string, props: string[]) => async (n: number): Promise<Run> => await timed('kcat', ['-P', '-b', cluster.bootstrap, '-t', topic, '-p', '0', '-l', files.get(n)!, '-q',
      '-X', `linger.ms=${lingerMs}`, '-X', `batch.size=${batchSize}`, ...props.flatMap(p => ['-X', p])])
    const contestants: Contestant[] = [
      { name: 'kcat', startupS: 0, runs: [], run: kcatRun('kcat', [`acks=${acks}`]) },
      { name: 'ours', startupS: 0, runs: [], run: perfTest(projectRoot, 'ours') },
    ]
    if (idempotent) contestants.push({ name: 'kcat-idempotent', startupS: 0, runs: [], run: kcatRun('kcat-idempotent', ['enable.idempotence=true']) })
    if (before !== undefined) contestants.push({ name: 'before', startupS: 0, runs: [], run: perfTest(before, 'before') })
    for (const c of contestants) {
      const startup: number[] = []
      for (let i = 0; i < 3; i++) startup.push((await c.run(1)).wallS)
      c.startupS = median(startup)
    }
    say(`start-up + shut-down (one record, median of 3): ${contestants.map(c => `${c.name} ${c.startupS.toFixed(2)} s`).join(', ')}`)
    const [kcat, ours] = contestants as [Contestant, Contestant]
    for (let round = 1; round <= rounds; round++) {
      // rotate who goes first, so no one always runs right after another's load
      for (let i = 0; i < contestants.length; i++) {
        const c = contestants[(round - 1 + i) % contestants.length]!
        c.runs.push(await c.run(records))
      }
      say(`round ${round}: ` + contestants.map(c => describe(c, c.runs.at(-1)!)).join('; ') +
        `; ours/kcat ${pct(kcat.runs.at(-1)!.wallS / ours.runs.at(-1)!.wallS)} wall`)
    }
    say('median: ' + contestants.map(c => {
      const wallS = median(c.runs.map(r => r.wallS))
      const cpuUs = median(c.runs.map(r => (r.userS + r.sysS) * 1e6 / records))
      const self = c.runs.some(r => r.selfRate === undefined) ? '' : `, ${Math.round(median(c.runs.map(r => r.selfRate ?? 0)))} in-process`
      return `${c.name} ${rate(wallS)} records/s wall (${rate(wallS - c.startupS)} net${self}; ${cpuUs.toFixed(2)} µs CPU/record)`
    }).join('; '))
    for (const c of contestants.slice(1)) {
      say(`${c.name}/kcat, median of rounds: ${pct(median(c.runs.map((r, i) => kcat.runs[i]!.wallS / r.wallS)))} wall, ` +
        `${pct(median(c.runs.map((r, i) => (kcat.runs[i]!.wallS - kcat.startupS) / (r.wallS - c.startupS))))} net of start-up`)
    }
  } finally {
    await cluster.cleanup()
    rmSync(work, { recursive: true, force: true })
  }
}

function describe (c: Contestant, r: Run): string {
  const self = r.selfRate === undefined ? '' : `, ${Math.round(r.selfRate)} in-process`
  return `${c.name} ${rate(r.wallS)} records/s wall (${rate(r.wallS - c.startupS)} net${self}; cpu ${cpu(r)})`
}

function median (xs: number[]): number { return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! }

/** Runs a command under bash's `time` (wall, user, sys seconds on stderr's last line). */
async function timed (command: string, argv: string[]): Promise<Run> {
  const quoted = [command, ...argv].map(a => `'${a.replace(/'/g, "'\\''")}'`).join(' ')
  const child = spawn('bash', ['-c', `TIMEFORMAT='%R %U %S'; time ${quoted} >&3`], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdio[3]!.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString() })
  child.stdout!.resume()
  const code = await new Promise<number | null>(resolve => child.once('close', resolve))
  if (code !== 0) throw new Error(`${command} exited ${code}: ${stderr}`)
  const [wallS, userS, sysS] = stderr.trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number, number]
  const self = /records sent, ([\d.]+) records\/sec/.exec(stdout.split('\n').filter(l => l !== '').at(-1) ?? '')
  return { wallS, userS, sysS, selfRate: self === null ? undefined : Number(self[1]) }
}

function rate (wallS: number): number { return Math.round(records / wallS) }
function cpu (r: Run): string { return `${r.userS.toFixed(2)} s user + ${r.sysS.toFixed(2)} s sys in ${r.wallS.toFixed(2)} s` }
function pct (x: number): string { return `${Math.round(x * 100)}%` }
function say (text: string): void { process.stdout.write(text + '\n') }

function parseArgs (argv: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a.startsWith('--')) out[a.slice(2)] = argv[i + 1]?.startsWith('--') === false ? argv[++i]! : 'true'
  }
  return out
}

if (process.argv[1]?.endsWith('producer-perf-vs-kcat.js') === true) await main()
