import { test } from 'node:test'
import assert from 'node:assert/strict'
import { assignReplicasToBrokers, rackAlternatedBrokers } from './replica-assignment.js'

const noRack = (ids: number[]): Array<{ id: number, rack: null }> => ids.map(id => ({ id, rack: null }))

test('Kafka\'s layout for 5 brokers, 10 partitions, RF 3 from start index 0 and shift 0', () => {
  // The example in Kafka's AdminUtils scaladoc.
  const a = assignReplicasToBrokers(noRack([0, 1, 2, 3, 4]), 10, 3, { startIndex: 0, replicaShift: 0 })
  assert.deepEqual([...a.values()], [
    [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 0], [4, 0, 1],
    [0, 2, 3], [1, 3, 4], [2, 4, 0], [3, 0, 1], [4, 1, 2],
  ])
})

test('leaders spread evenly and no partition has a broker twice', () => {
  const a = assignReplicasToBrokers(noRack([3, 1, 2]), 6, 3)
  const leaders = [...a.values()].map(r => r[0])
  for (const b of [1, 2, 3]) assert.equal(leaders.filter(l => l === b).length, 2)
  for (const replicas of a.values()) assert.equal(new Set(replicas).size, 3)
})

test('added partitions continue the numbering; too large a factor is refused', () => {
  assert.deepEqual([...assignReplicasToBrokers(noRack([1, 2]), 2, 1, { startIndex: 0, replicaShift: 0, firstPartitionId: 4 }).keys()], [4, 5])
  assert.throws(() => assignReplicasToBrokers(noRack([1]), 1, 2), /Replication factor: 2 larger than available brokers: 1/)
})

// The rack-aware example in Kafka's AdminUtils scaladoc: brokers 0-5 on racks 1,3,3,2,2,1.
const racks = [{ id: 0, rack: 'rack1' }, { id: 1, rack: 'rack3' }, { id: 2, rack: 'rack3' }, { id: 3, rack: 'rack2' }, { id: 4, rack: 'rack2' }, { id: 5, rack: 'rack1' }]

test('rack-aware: brokers alternate between racks, as Kafka\'s getRackAlternatedBrokerList orders them', () => {
  assert.deepEqual(rackAlternatedBrokers(new Map(racks.map(b => [b.id, b.rack]))), [0, 3, 1, 5, 4, 2])
})

test('rack-aware: Kafka\'s layout for 6 brokers on 3 racks, 12 partitions, RF 3; every partition spans 3 racks', () => {
  const a = assignReplicasToBrokers(racks, 12, 3, { startIndex: 0, replicaShift: 0 })
  assert.deepEqual([...a.values()], [
    [0, 3, 1], [3, 1, 5], [1, 5, 4], [5, 4, 2], [4, 2, 0], [2, 0, 3],
    [0, 4, 2], [3, 2, 0], [1, 0, 3], [5, 3, 1], [4, 1, 5], [2, 5, 4],
  ])
  const rackOf = new Map(racks.map(b => [b.id, b.rack]))
  for (const replicas of a.values()) assert.equal(new Set(replicas.map(r => rackOf.get(r))).size, 3)
})

test('rack-aware: with fewer racks than replicas, racks are reused only once each has one; some brokers without a rack is refused', () => {
  const two = [{ id: 1, rack: 'a' }, { id: 2, rack: 'a' }, { id: 3, rack: 'b' }, { id: 4, rack: 'b' }]
  for (const replicas of assignReplicasToBrokers(two, 8, 3).values()) {
    assert.equal(new Set(replicas).size, 3)
    assert.equal(new Set(replicas.map(r => r <= 2 ? 'a' : 'b')).size, 2)
  }
  assert.throws(() => assignReplicasToBrokers([{ id: 1, rack: 'a' }, { id: 2, rack: null }], 1, 1), /Not all brokers have rack information/)
})
