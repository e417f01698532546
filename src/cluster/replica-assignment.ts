/**
 * Kafka's rack-unaware replica assignment (AdminUtils.assignReplicasToBrokers): leaders go round
 * the brokers from a random start, and followers are shifted so that the replicas of a broker's
 * partitions spread over all the others.
 */
export interface AssignmentOptions {
  /** Fixed for tests and reproducible layouts; random as in Kafka otherwise. */
  startIndex?: number
  replicaShift?: number
  /** Where numbering starts when partitions are added to an existing topic. */
  firstPartitionId?: number
}

export function assignReplicasToBrokers (brokerIds: readonly number[], partitions: number, replicationFactor: number, options: AssignmentOptions = {}): Map<number, number[]> {
  const brokers = [...brokerIds].sort((a, b) => a - b)
  const n = brokers.length
  if (replicationFactor < 1 || replicationFactor > n) throw new RangeError(`replication factor ${replicationFactor} larger than available brokers ${n}`)
  const startIndex = options.startIndex ?? Math.floor(Math.random() * n)
  let shift = options.replicaShift ?? Math.floor(Math.random() * n)
  const result = new Map<number, number[]>()
  let partitionId = Math.max(0, options.firstPartitionId ?? 0)
  for (let i = 0; i < partitions; i++, partitionId++) {
    if (partitionId > 0 && partitionId % n === 0) shift += 1
    const first = (partitionId + startIndex) % n
    const replicas = [brokers[first] as number]
    for (let j = 0; j < replicationFactor - 1; j++) replicas.push(brokers[replicaIndex(first, shift, j, n)] as number)
    result.set(partitionId, replicas)
  }
  return result
}

function replicaIndex (first: number, secondReplicaShift: number, replica: number, n: number): number {
  const shift = 1 + (secondReplicaShift + replica) % (n - 1)
  return (first + shift) % n
}
