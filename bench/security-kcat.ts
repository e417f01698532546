/**
 * What TLS and SASL cost on the data path: one broker (RF=1, real ZooKeeper) with PLAINTEXT, SSL and
 * SASL_SSL (SCRAM-SHA-512) listeners, kcat as the load on each, in the same run:
 *  1. produce: kcat -P of --records records of --value-bytes (acks=1, librdkafka's batching) to a
 *     topic of its own, wall clock; 2. consume: kcat -C of those records from the beginning to /dev/null.
 * The paths run interleaved, --rounds times, and each one's best round is compared with PLAINTEXT's.
 *  3. connection set-up: --connections sequential connections of this project's client (TCP [+ TLS]
 *     + ApiVersions [+ SaslHandshake + SCRAM-SHA-512's two SaslAuthenticate round trips]).
 *
 *   node dist/bench/security-kcat.js [--records 500000] [--value-bytes 100] [--rounds 2] [--connections 200]
 */
import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Connection } from '../src/client/connection.js'
import type { ClientSecurity } from '../src/config/listener-security.js'
import { createTopic } from '../integration-tests/support/admin.js'
import { startCluster } from '../integration-tests/support/cluster.js'
import { addScramUser } from '../integration-tests/support/secure-listeners.js'
import { createTestPki } from '../integration-tests/support/test-pki.js'
import { parseArgs, say } from './support/bench-cli.js'

const args = parseArgs(process.argv.slice(2))
const records = Number(args.records ?? 500_000)
const valueBytes = Number(args['value-bytes'] ?? 100)
const rounds = Number(args.rounds ?? 2)
const connections = Number(args.connections ?? 200)
const KCAT_PRODUCER = ['-X', 'acks=1', '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000', '-X', 'queue.buffering.max.messages=2000000', '-X', 'queue.buffering.max.kbytes=2097152', '-q']

async function main (): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-security-'))
  const pki = await createTestPki([])
  const cluster = await startCluster({
    brokers: 1,
    extraListeners: ['SSL', 'SASL_SSL'],
    config: {
      'ssl.keystore.type': 'PEM', 'ssl.keystore.location': pki.broker.keystore, 'ssl.key.password': pki.broker.keyPassword,
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
    },
  })
  try {
    await addScramUser(cluster.bootstrap, 'bench', 'bench-secret')
    const paths: Array<{ name: string, listener: string, kcat: string[], security: ClientSecurity }> = [
      { name: 'PLAINTEXT', listener: 'PLAINTEXT', kcat: [], security: { protocol: 'PLAINTEXT' } },
      { name: 'SSL', listener: 'SSL', kcat: ['-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${pki.caCert}`], security: { protocol: 'SSL', ssl: clientSsl(pki.caCert) } },
      {
        name: 'SASL_SSL SCRAM-SHA-512',
        listener: 'SASL_SSL',
        kcat: ['-X', 'security.protocol=SASL_SSL', '-X', `ssl.ca.location=${pki.caCert}`, '-X', 'sasl.mechanisms=SCRAM-SHA-512', '-X', 'sasl.username=bench', '-X', 'sasl.password=bench-secret'],
        security: { protocol: 'SASL_SSL', ssl: clientSsl(pki.caCert), sasl: { mechanism: 'SCRAM-SHA-512', username: 'bench', password: 'bench-secret' } },
      },
    ]
    say(`security-kcat: ${records} records of ${valueBytes} bytes per path and round, ${rounds} rounds, one broker (${paths.map(p => `${p.name} ${cluster.bootstrapFor(p.listener)}`).join(', ')})`)
    const input = join(work, 'records.txt')
    writeRecordsFile(input, records, valueBytes)
    const best = new Map<string, { produceMs: number, consumeMs: number }>()
    for (let round = 1; round <= rounds; round++) {
      for (const p of paths) {
        const topic = `bench-${p.listener.toLowerCase()}-${round}`
        await createTopic(cluster.bootstrap, topic, { partitions: 1 })
        const bootstrap = cluster.bootstrapFor(p.listener)
        const produceMs = await run('kcat', ['-P', '-b', bootstrap, '-t', topic, '-p', '0', ...KCAT_PRODUCER, ...p.kcat, '-l', input])
        const consumeMs = await run('kcat', ['-C', '-b', bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-c', String(records), '-q', '-f', '%s\n', '-X', 'fetch.max.bytes=52428800', '-X', 'max.partition.fetch.bytes=8388608', ...p.kcat])
        say(`round ${round} ${p.name}: produce ${rate(produceMs)} records/s, consume ${rate(consumeMs)} records/s`)
        const b = best.get(p.name)
        best.set(p.name, { produceMs: Math.min(b?.produceMs ?? Infinity, produceMs), consumeMs: Math.min(b?.consumeMs ?? Infinity, consumeMs) })
      }
    }
    const base = best.get('PLAINTEXT')!
    say('best round per path (records/s, MB/s of values, share of PLAINTEXT):')
    for (const p of paths) {
      const b = best.get(p.name)!
      say(`  ${p.name.padEnd(24)} produce ${rate(b.produceMs).padStart(9)} ${mbps(b.produceMs).padStart(6)} MB/s ${pct(base.produceMs, b.produceMs).padStart(5)}   consume ${rate(b.consumeMs).padStart(9)} ${mbps(b.consumeMs).padStart(6)} MB/s ${pct(base.consumeMs, b.consumeMs).padStart(5)}`)
    }
    say(`connection set-up, ${connections} sequential connections of this project's client:`)
    for (const p of paths) {
      const [host, port] = cluster.bootstrapFor(p.listener).split(':') as [string, string]
      const start = performance.now()
      for (let i = 0; i < connections; i++) {
        const c = new Connection({ host, port: Number(port) }, { clientId: 'bench', connectTimeoutMs: 10_000, requestTimeoutMs: 10_000, security: p.security })
        await c.connect()
        c.close()
      }
      const ms = performance.now() - start
      say(`  ${p.name.padEnd(24)} ${(connections / ms * 1000).toFixed(0).padStart(6)} connections/s (${(ms / connections).toFixed(2)} ms each)`)
    }
  } finally {
    await cluster.cleanup()
    pki.cleanup()
    rmSync(work, { recursive: true, force: true })
  }
}

function clientSsl (caCert: string): NonNullable<ClientSecurity['ssl']> {
  return {
    'ssl.keystore.type': 'PEM', 'ssl.keystore.location': null, 'ssl.keystore.password': null, 'ssl.key.password': null,
    'ssl.keystore.certificate.chain': null, 'ssl.keystore.key': null, 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': caCert,
    'ssl.truststore.password': null, 'ssl.truststore.certificates': null, 'ssl.enabled.protocols': ['TLSv1.2', 'TLSv1.3'], 'ssl.cipher.suites': [],
    'ssl.endpoint.identification.algorithm': 'https',
  }
}

const rate = (ms: number): string => (records / ms * 1000).toFixed(0)
const mbps = (ms: number): string => (records * valueBytes / ms / 1000).toFixed(1)
const pct = (baseMs: number, ms: number): string => `${(baseMs / ms * 100).toFixed(0)}%`

function writeRecordsFile (file: string, count: number, bytes: number): void {
  const fd = openSync(file, 'w')
  for (let i = 0; i < count; i += 10_000) {
    const lines: string[] = []
    for (let j = i; j < Math.min(count, i + 10_000); j++) {
      const head = `record-${j}-`
      lines.push(head + 'x'.repeat(Math.max(0, bytes - head.length)))
    }
    writeSync(fd, lines.join('\n') + '\n')
  }
  closeSync(fd)
}

/** Runs a command to completion with its stdout discarded; resolves with the wall-clock ms. */
async function run (command: string, argv: string[]): Promise<number> {
  const start = performance.now()
  const child = spawn(command, argv, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
  if (code !== 0) throw new Error(`${command} ${argv.join(' ')} exited with ${code}: ${stderr}`)
  return performance.now() - start
}

await main()
