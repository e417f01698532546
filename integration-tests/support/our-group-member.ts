/**
 * Our GroupConsumer as a group member in its own process, for the group integration tests and the
 * failover bench: the same command line and JSON-lines output as kafkajs-group-member.ts and
 * clients/python/group-consumer.py. Auto commit (every 200 ms) commits what it processed.
 * `assigned` always carries the member's whole assignment (with cooperative-sticky a rebalance
 * may add to it or take part of it away). `--report progress` replaces the per-record lines with
 * one {"event":"progress","records":N} line per poll (the throughput bench).
 */
import { GroupConsumer } from '../../src/client/group-consumer.js'
import type { TopicPartition } from '../../src/client/consumer.js'

const [bootstrap = '', group = '', topic = '', ...flags] = process.argv.slice(2)
const flag = (name: string, fallback: string): string => {
  const i = flags.indexOf(name)
  return i >= 0 ? flags[i + 1] ?? fallback : fallback
}
const emit = (obj: unknown): void => { process.stdout.write(JSON.stringify(obj) + '\n') }
const partitionsOf = (tps: TopicPartition[]): number[] => tps.filter(tp => tp.topic === topic).map(tp => tp.partition).sort((a, b) => a - b)

const instanceId = flag('--instance-id', '')
const consumer = new GroupConsumer({
  'bootstrap.servers': bootstrap,
  'group.id': group,
  'client.id': `ours-${process.pid}`,
  'session.timeout.ms': flag('--session-timeout-ms', '6000'),
  'heartbeat.interval.ms': flag('--heartbeat-interval-ms', '500'),
  'max.poll.interval.ms': 10_000,
  'partition.assignment.strategy': flag('--assignor', 'range'),
  'auto.offset.reset': 'earliest',
  'auto.commit.interval.ms': 200,
  'fetch.max.wait.ms': 200,
  ...(instanceId !== '' ? { 'group.instance.id': instanceId } : {}),
})
consumer.subscribe([topic], {
  onPartitionsAssigned: () => emit({ event: 'assigned', partitions: partitionsOf(consumer.assignment()) }),
  onPartitionsRevoked: revoked => {
    const gone = new Set(partitionsOf(revoked))
    const left = partitionsOf(consumer.assignment()).filter(p => !gone.has(p))
    emit(left.length === 0 ? { event: 'revoked' } : { event: 'assigned', partitions: left })
  },
  onPartitionsLost: () => emit({ event: 'revoked' }),
})

const perRecord = flag('--report', 'records') === 'records'
let total = 0
let stopping = false
process.on('SIGTERM', () => { stopping = true; consumer.wakeup() })
while (!stopping) {
  const records = await consumer.poll(1000)
  if (perRecord) for (const r of records) emit({ event: 'record', partition: r.partition, offset: r.offset })
  else if (records.length > 0) emit({ event: 'progress', records: total += records.length })
}
await consumer.close()
emit({ event: 'closed' })
