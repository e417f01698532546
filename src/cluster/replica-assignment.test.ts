import { test } from 'node:test'
import assert from 'node:assert/strict'
import { assignReplicasToBrokers } from './replica-assignment.js'

test('Kafka\'s layout for 5 brokers, 10 partitions, RF 3 from start index 0 and shift 0', () => {
  // The example in Kafka's AdminUtils scaladoc.
  const a = assignReplicasToBrokers([0, 1, 2, 3, 4], 10, 3, { startIndex: 0, replicaShift: 0 })
  assert.deepEqual([...a.values()], [
    [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 0], [4, 0, 1],
    [0, 2, 3], [1, 3, 4], [2, 4, 0], [3, 0, 1], [4, 1, 2],
  ])
})

test('leaders spread evenly and no partition has a broker twice', () => {
  const a = assignReplicasToBrokers([3, 1, 2], 6, 3)
  const leaders = [...a.values()].map(r => r[0])
  for (const b of [1, 2, 3]) assert.equal(leaders.filter(l => l === b).length, 2)
  for (const replicas of a.values()) assert.equal(new Set(replicas).size, 3)
})

test('added partitions continue the numbering; too large a factor is refused', () => {
  assert.deepEqual([...assignReplicasToBrokers([1, 2], 2, 1, { startIndex: 0, replicaShift: 0, firstPartitionId: 4 }).keys()], [4, 5])
  assert.throws(() => assignReplicasToBrokers([1], 1, 2), /larger than available brokers 1/)
})
