/**
 * Transactions against plain idempotent produce, one broker (real ZooKeeper, broker process),
 * KafkaJS as the client in this process, in the same run:
 *  - paced: 100 and 1,000 records/s committed, as transactions of --per-txn records (one every
 *    second, ten a second), for --seconds each; each transaction is begin, one send of its records,
 *    commit; figures are the commit latency (commit() called to resolved: EndTxn, the markers,
 *    CompleteCommit) and the whole transaction's. The baseline, paced the same, sends the same
 *    records as one idempotent acks=all send each: its send latency.
 *  - flat out: transactions back to back for --seconds, against idempotent sends back to back.
 * A read_committed count at the end checks that every committed record is there once.
 * Usage: node dist/bench/transactions.js [--seconds 20] [--per-txn 100] [--value-bytes 100]
 */
import { Kafka, logLevel, type Producer } from 'kafkajs'
import { createTopic } from '../integration-tests/support/admin.js'
import { startCluster } from '../integration-tests/support/cluster.js'
import { parseArgs, say } from './support/bench-cli.js'

const args = parseArgs(process.argv.slice(2))
const seconds = Number(args.seconds ?? 20)
const perTxn = Number(args['per-txn'] ?? 100)
const valueBytes = Number(args['value-bytes'] ?? 100)
const VALUE = 'x'.repeat(valueBytes)

const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN
const ms = (x: number): string => `${x.toFixed(1)} ms`

interface Round { records: number, elapsedMs: number, latencies: number[], commitLatencies: number[] }

/** Runs `one` every `intervalMs` (0: back to back) for `seconds`; each call resolves with its latencies. */
async function paced (intervalMs: number, one: () => Promise<{ total: number, commit?: number }>): Promise<Round> {
  const started = performance.now()
  const latencies: number[] = []
  const commitLatencies: number[] = []
  let records = 0
  const count = intervalMs > 0 ? seconds * 1000 / intervalMs : Infinity
  for (let i = 0; i < count && performance.now() - started < seconds * 1000; i++) {
    const due = started + i * intervalMs
    const wait = due - performance.now()
    if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
    const r = await one()
    latencies.push(r.total)
    if (r.commit !== undefined) commitLatencies.push(r.commit)
    records += perTxn
  }
  // Paced, the last one starts an interval before the end: the rate is over whole intervals.
  return { records, elapsedMs: Math.max(performance.now() - started, latencies.length * intervalMs), latencies, commitLatencies }
}

function messages (tag: string): Array<{ key: string, value: string }> {
  return Array.from({ length: perTxn }, (_, i) => ({ key: `${tag}-${i}`, value: VALUE }))
}

async function main (): Promise<void> {
  const cluster = await startCluster({ brokers: 1, config: { 'transaction.state.log.num.partitions': 5, 'transaction.state.log.replication.factor': 1, 'transaction.state.log.min.isr': 1 } })
  try {
    const kafka = new Kafka({ clientId: 'bench-transactions', brokers: [cluster.bootstrap], logLevel: logLevel.NOTHING })
    await createTopic(cluster.bootstrap, 'txn', { partitions: 1 })
    await createTopic(cluster.bootstrap, 'idem', { partitions: 1 })
    const transactional = kafka.producer({ transactionalId: 'bench-txn', idempotent: true, maxInFlightRequests: 1 })
    const idempotent = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    await transactional.connect()
    await idempotent.connect()
    say(`transactions: KafkaJS, ${perTxn} records of ${valueBytes} B per transaction / send, ${seconds} s per row, broker ${cluster.bootstrap}`)
    let committed = 0
    const txn = async (p: Producer): Promise<{ total: number, commit: number }> => {
      const t0 = performance.now()
      const t = await p.transaction()
      await t.send({ topic: 'txn', messages: messages('t') })
      const t1 = performance.now()
      await t.commit()
      committed += perTxn
      const t2 = performance.now()
      return { total: t2 - t0, commit: t2 - t1 }
    }
    const send = async (p: Producer): Promise<{ total: number }> => {
      const t0 = performance.now()
      await p.send({ topic: 'idem', acks: -1, messages: messages('i') })
      return { total: performance.now() - t0 }
    }
    // Warm-up: coordinator lookup, InitProducerId, the first AddPartitionsToTxn and the JIT.
    for (let i = 0; i < 20; i++) { await txn(transactional); await send(idempotent) }
    committed = 0
    say('| load | transactional: records/s committed | commit p50 / p99 | transaction p50 / p99 | idempotent: records/s | send p50 / p99 |')
    say('|---|---:|---|---|---:|---|')
    for (const [label, intervalMs] of [[`${perTxn} records/s`, 1000], [`${perTxn * 10} records/s`, 100], ['flat out', 0]] as const) {
      const t = await paced(intervalMs, async () => await txn(transactional))
      const i = await paced(intervalMs, async () => await send(idempotent))
      const rate = (r: Round): string => Math.round(r.records / r.elapsedMs * 1000).toLocaleString('en')
      say(`| ${label} | ${rate(t)} | ${ms(percentile(t.commitLatencies, 0.5))} / ${ms(percentile(t.commitLatencies, 0.99))} | ${ms(percentile(t.latencies, 0.5))} / ${ms(percentile(t.latencies, 0.99))} | ${rate(i)} | ${ms(percentile(i.latencies, 0.5))} / ${ms(percentile(i.latencies, 0.99))} |`)
    }
    await transactional.disconnect()
    await idempotent.disconnect()

    // Every committed record once: a read_committed consumer's count to the end (warm-up included).
    const consumer = kafka.consumer({ groupId: 'bench-txn-check', readUncommitted: false })
    await consumer.connect()
    await consumer.subscribe({ topic: 'txn', fromBeginning: true })
    const expected = committed + 20 * perTxn
    let seen = 0
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read_committed saw ${seen} of ${expected} records within 60 s`)), 60_000)
      void consumer.run({ eachBatch: async ({ batch }) => { seen += batch.messages.length; if (seen >= expected) { clearTimeout(timer); resolve() } } })
    })
    await consumer.disconnect()
    say(`read_committed: ${seen} records, ${expected} committed`)
    if (seen !== expected) process.exitCode = 1
  } finally {
    await cluster.cleanup()
  }
}

await main()
