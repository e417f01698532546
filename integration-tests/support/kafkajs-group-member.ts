/**
 * A KafkaJS 2.2 consumer-group member in its own process, for the group integration tests; the
 * same command line and JSON-lines output as clients/python/group-consumer.py, and `--client-id`
 * (client.id, `kafkajs-<group>` unless given). KafkaJS ships only
 * RoundRobinAssigner, so `--assignor range` installs Kafka's RangeAssignor (per topic, contiguous
 * ranges over members sorted by id) under the protocol name "range" that the other clients use.
 *
 * A commit the group refuses because the member's generation is over (a rebalance went on
 * meanwhile: KafkaJS rejoins from within one broker's fetch that failed on a moved leader, while a
 * batch from another broker is still being processed) is reported as "commit-failed" and the
 * member carries on, as the Python members do:
 * KafkaJS itself wraps such a refusal from consumer.commitOffsets as non-retriable and stops the
 * consumer for good, where Java's consumer throws CommitFailedException and lets the application
 * continue. The next heartbeat tells KafkaJS to rejoin if it has not already.
 */
import { AssignerProtocol, Kafka, logLevel, PartitionAssigners, type PartitionAssigner } from 'kafkajs'

const [bootstrap = '', group = '', topic = '', ...flags] = process.argv.slice(2)
const flag = (name: string, fallback: string): string => {
  const i = flags.indexOf(name)
  return i >= 0 ? flags[i + 1] ?? fallback : fallback
}
const emit = (obj: unknown): void => { process.stdout.write(JSON.stringify(obj) + '\n') }
/** The group's answers that end a member's generation (Java's CommitFailedException). */
const GENERATION_OVER = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID'])
/** The protocol error under KafkaJS's retry wrappers (each keeps the one it wraps as `cause`). */
const rootCause = (e: unknown): unknown => e instanceof Error && e.cause !== undefined ? rootCause(e.cause) : e

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

const kafka = new Kafka({ clientId: flag('--client-id', `kafkajs-${group}`), brokers: bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } })
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
    try {
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(next) }])
      emit({ event: 'committed', offsets: { [batch.partition]: next } })
    } catch (err) {
      const cause = rootCause(err) as { type?: string }
      if (cause.type === undefined || !GENERATION_OVER.has(cause.type)) throw err
      emit({ event: 'commit-failed', error: String(cause) })
    }
    await heartbeat()
  },
})
