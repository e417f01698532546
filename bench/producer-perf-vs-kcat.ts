/**
 * Our kafka-producer-perf-test against kcat (librdkafka 2.0.2) producing the same records (--records
 * lines of --value-bytes random uppercase letters, null keys) to the same one-partition topic of the
 * same broker (real ZooKeeper, one broker process), with the same producer settings, alternating
 * for --rounds rounds (alternating who goes first). Each run is timed from spawn to exit (wall clock, so it includes process
 * start-up, connecting and the final flush) and its CPU time is taken from bash's `time`; for ours
 * the tool's own records/sec line (first send to last delivery) is shown too.
 *
 *   npx tsc -p . && node dist/bench/producer-perf-vs-kcat.js [--records 1000000] [--value-bytes 100]
 *     [--rounds 5] [--batch-size 1048576] [--linger-ms 5] [--acks 1]
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

interface Run { wallS: number, userS: number, sysS: number, selfRate?: number }

export async function main (): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-perf-kcat-'))
  const cluster = await startCluster({ brokers: 1 })
  try {
    const admin = new Admin({ 'bootstrap.servers': cluster.bootstrap })
    await admin.createTopics([{ name: 'ours', numPartitions: 1, replicationFactor: 1 }, { name: 'kcat', numPartitions: 1, replicationFactor: 1 }])
    await admin.close()
    const line = Buffer.alloc(valueBytes)
    for (let i = 0; i < valueBytes; i++) line[i] = 65 + Math.floor(Math.random() * 26)
    const file = join(work, 'payload.txt')
    writeFileSync(file, Buffer.concat(Array.from({ length: records }, () => Buffer.concat([line, Buffer.from('\n')]))))
    say(`producer-perf-vs-kcat: ${records} records of ${valueBytes} bytes, acks=${acks} linger.ms=${lingerMs} batch.size=${batchSize}, broker ${cluster.bootstrap}`)
    const ours: Run[] = []
    const theirs: Run[] = []
    const runKcat = async (): Promise<Run> => await timed('kcat', ['-P', '-b', cluster.bootstrap, '-t', 'kcat', '-p', '0', '-l', file, '-q',
      '-X', `acks=${acks}`, '-X', `linger.ms=${lingerMs}`, '-X', `batch.size=${batchSize}`])
    const runOurs = async (): Promise<Run> => await timed(process.execPath, [join(projectRoot, 'dist/src/cli/kafka-producer-perf-test.js'), '--topic', 'ours',
      '--num-records', String(records), '--record-size', String(valueBytes), '--throughput', '-1', '--producer-props',
      `bootstrap.servers=${cluster.bootstrap}`, `acks=${acks}`, `linger.ms=${lingerMs}`, `batch.size=${batchSize}`])
    for (let round = 1; round <= rounds; round++) {
      // alternate who goes first, so neither always runs right after the other's load
      let k: Run, o: Run
      if (round % 2 === 1) { k = await runKcat(); o = await runOurs() } else { o = await runOurs(); k = await runKcat() }
      theirs.push(k)
      ours.push(o)
      say(`round ${round}: kcat ${rate(k.wallS)} records/s (cpu ${cpu(k)}); ours ${rate(o.wallS)} records/s wall, ${Math.round(o.selfRate ?? 0)} records/s in-process (cpu ${cpu(o)}); ratio ${pct(k.wallS / o.wallS)}`)
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
    const k = median(theirs.map(r => r.wallS))
    const o = median(ours.map(r => r.wallS))
    say(`median: kcat ${rate(k)} records/s, ours ${rate(o)} records/s wall (${Math.round(median(ours.map(r => r.selfRate ?? 0)))} in-process): ${pct(k / o)} of kcat`)
  } finally {
    await cluster.cleanup()
    rmSync(work, { recursive: true, force: true })
  }
}

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
