import assert from 'node:assert/strict'
import type { Admin, Producer } from 'kafkajs'
import { GroupMember, ownsAll, type GroupClient } from './group-member.js'
import { waitFor } from './wait-for.js'

export const PARTITIONS = 6

export interface ScenarioOptions {
  topic: string
  group: string
  sessionTimeoutMs: number
  assignor?: 'range' | 'roundrobin' | 'cooperative-sticky'
  /** KIP-429: the survivors of the kill must keep every partition they owned. */
  survivorsKeepOwnership?: boolean
}

/**
 * The group rebalance scenario every client runs: three members share six partitions; SIGKILL
 * one (no LeaveGroup): within session.timeout.ms + 2 s the other two own all six, every record is
 * processed at least once with no gap, and the commits reach the log end; then a member that
 * leaves cleanly (SIGTERM) hands its partitions over without waiting for the session timeout.
 */
export async function rebalanceScenario (client: GroupClient, bootstrap: string, admin: Admin, producer: Producer, o: ScenarioOptions): Promise<void> {
  const { topic, group, sessionTimeoutMs } = o
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true })
  const members = [0, 1, 2].map(() => GroupMember.start(client, { bootstrap, group, topic, sessionTimeoutMs, assignor: o.assignor }))
  const describe = (): string => members.map(m => m.describe()).join('\n')
  try {
    await waitFor(() => ownsAll(members, PARTITIONS, [2, 2, 2]), `three ${client} members owning two partitions each:\n${describe()}`, { timeoutMs: 20_000 })

    await produce(producer, topic, 10)
    await waitForCommitted(admin, group, topic, 10, describe)

    const [victim, ...survivors] = members as [GroupMember, GroupMember, GroupMember]
    const before = survivors.map(m => [...m.assignment])
    const killedAt = Date.now()
    await victim.kill('SIGKILL')
    await waitFor(() => ownsAll(survivors, PARTITIONS, [3, 3]), `the two surviving ${client} members owning all six partitions:\n${describe()}`, { timeoutMs: sessionTimeoutMs + 2000 })
    const takeoverMs = Date.now() - killedAt
    if (o.survivorsKeepOwnership === true) {
      survivors.forEach((m, i) => assert.ok(before[i]!.every(p => m.assignment.includes(p)), `a survivor keeps what it owned (KIP-429): had [${before[i]!.join(',')}], now [${m.assignment.join(',')}]`))
    }

    await produce(producer, topic, 10)
    await waitForCommitted(admin, group, topic, 20, describe)
    for (let p = 0; p < PARTITIONS; p++) {
      const seen = new Set(members.flatMap(m => m.processed.filter(r => r.partition === p).map(r => r.offset)))
      const missing = Array.from({ length: 20 }, (_, i) => i).filter(offset => !seen.has(offset))
      assert.deepEqual(missing, [], `every record of ${topic}-${p} processed at least once`)
    }

    const [leaving, last] = survivors as [GroupMember, GroupMember]
    const leftAt = Date.now()
    await leaving.kill('SIGTERM')
    assert.ok(leaving.closed, `the ${client} member closed cleanly: ${leaving.describe()}`)
    await waitFor(() => ownsAll([last], PARTITIONS, [6]), `the last ${client} member owning all six after a clean leave:\n${describe()}`, { timeoutMs: sessionTimeoutMs - 1000 })
    const leaveMs = Date.now() - leftAt
    assert.ok(leaveMs < sessionTimeoutMs, `a LeaveGroup rebalances without waiting for the session timeout (took ${leaveMs} ms, kill took ${takeoverMs} ms)`)
  } finally {
    await Promise.all(members.map(async m => await m.kill('SIGKILL')))
  }
}

/** `perPartition` more records on every partition, acks=all. */
export async function produce (producer: Producer, topic: string, perPartition: number): Promise<void> {
  const messages = Array.from({ length: PARTITIONS * perPartition }, (_, i) => ({ partition: i % PARTITIONS, value: `record-${i}` }))
  await producer.send({ topic, acks: -1, messages })
}

/** Until the group's committed offset of every partition is the log end offset `end`. */
export async function waitForCommitted (admin: Admin, group: string, topic: string, end: number, describe: () => string): Promise<void> {
  let last = ''
  await waitFor(async () => {
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
    const high = await admin.fetchTopicOffsets(topic)
    last = JSON.stringify({ committed: committed?.partitions, high: high.map(h => [h.partition, h.high]) })
    return high.every(h => Number(h.high) === end) && committed?.partitions.length === PARTITIONS && committed.partitions.every(p => Number(p.offset) === end)
  }, `committed offsets of ${group} at the log end offset ${end} (${last}):\n${describe()}`, { timeoutMs: 15_000 })
}
