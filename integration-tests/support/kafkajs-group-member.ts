/**
 * A KafkaJS 2.2 consumer-group member in its own process, for the group integration tests; the
 * same command line and JSON-lines output as clients/python/group-consumer.py. KafkaJS ships only
 * RoundRobinAssigner, so `--assignor range` installs Kafka's RangeAssignor (per topic, contiguous
 * ranges over members sorted by id) under the protocol name "range" that the other clients use.
 */
import { AssignerProtocol, Kafka, logLevel, PartitionAssigners, type PartitionAssigner } from 'kafkajs'

const [bootstrap = '', group = '', topic = '', ...flags] = process.argv.slice(2)
const flag = (name: string, fallback: string): string => {
  const i = flags.indexOf(name)
  return i >= 0 ? flags[i + 1] ?? fallback : fallback
}
const emit = (obj: unknown): void => { process.stdout.write(JSON.stringify(obj) + '\n') }

const rangeAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'range',
  version: 0,
  async assign ({ members, topics }) {
    const assignment = new Map<string, Record<string, number[]>>(members.map(m => [m.memberId, {}]))
    const subscriptions = new Map(members.map(m => [m.memberId, AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics ?? []]))
    for (const t of topics) {
      const consumers = members.map(m => m.memberId).filter(id => subscriptions.get(id)?.includes(t)).sort()
      const partitions = cluster.findTopicPartitionMetadata(t).map(p => p.partitionId).sort((a, b) => a - b)
      const each = Math.floor(partitions.length / consumers.length)
      const extra = partitions.length % consumers.length
      consumers.forEach((id, i) => {
        const start = i * each + Math.min(i, extra)
        const mine = assignment.get(id)
        if (mine !== undefined) mine[t] = partitions.slice(start, start + each + (i < extra ? 1 : 0))
      })
    }
    return members.map(m => ({
      memberId: m.memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: assignment.get(m.memberId) ?? {}, userData: Buffer.alloc(0) }),
    }))
  },
  protocol ({ topics }) {
    return { name: 'range', metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) }
  },
})

const kafka = new Kafka({ clientId: `kafkajs-${group}`, brokers: bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } })
const consumer = kafka.consumer({
  groupId: group,
  sessionTimeout: Number(flag('--session-timeout-ms', '6000')),
  heartbeatInterval: 1000,
  rebalanceTimeout: 10_000,
  maxWaitTimeInMs: 500, // KafkaJS heartbeats between fetches: a long poll would delay noticing a rebalance
  partitionAssigners: [flag('--assignor', 'range') === 'range' ? rangeAssigner : PartitionAssigners.roundRobin],
})
consumer.on(consumer.events.GROUP_JOIN, e => { emit({ event: 'assigned', partitions: [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b) }) })
consumer.on(consumer.events.CRASH, e => { process.stderr.write(`crash: ${String(e.payload.error)}\n`) })

process.on('SIGTERM', () => {
  void consumer.disconnect().then(() => { emit({ event: 'closed' }); process.exit(0) })
})

await consumer.connect()
await consumer.subscribe({ topic, fromBeginning: true })
await consumer.run({
  autoCommit: false,
  eachBatch: async ({ batch, heartbeat }) => {
    if (batch.messages.length === 0) return
    for (const m of batch.messages) emit({ event: 'record', partition: batch.partition, offset: Number(m.offset) })
    const next = Number(batch.lastOffset()) + 1
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(next) }])
    emit({ event: 'committed', offsets: { [batch.partition]: next } })
    await heartbeat()
  },
})
