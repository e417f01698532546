/**
 * Kafka's replica assignment (AdminUtils.assignReplicasToBrokers). Without racks, leaders go round
 * the brokers from a random start, and followers are shifted so that the replicas of a broker's
 * partitions spread over all the others. When every broker has a rack (broker.rack), the brokers
 * are first ordered alternating between racks, and each follower is the next broker in that order
 * that puts the replica on a rack (and broker) the partition has none on yet, while any is left.
 */
export interface BrokerRack { id: number, rack: string | null }

export interface AssignmentOptions {
  /** Fixed for tests and reproducible layouts; random as in Kafka otherwise. */
  startIndex?: number
  replicaShift?: number
  /** Where numbering starts when partitions are added to an existing topic. */
  firstPartitionId?: number
}

/** Kafka's AdminOperationException for a layout it cannot make. */
export class ReplicaAssignmentError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ReplicaAssignmentError'
  }
}

export function assignReplicasToBrokers (brokers: readonly BrokerRack[], partitions: number, replicationFactor: number, options: AssignmentOptions = {}): Map<number, number[]> {
  if (replicationFactor <= 0) throw new ReplicaAssignmentError('Replication factor must be larger than 0.')
  if (replicationFactor > brokers.length) throw new ReplicaAssignmentError(`Replication factor: ${replicationFactor} larger than available brokers: ${brokers.length}.`)
  const withRack = brokers.filter(b => b.rack !== null).length
  if (withRack === 0) return assign(brokers.map(b => b.id).sort((a, b) => a - b), partitions, replicationFactor, options, undefined)
  if (withRack < brokers.length) throw new ReplicaAssignmentError('Not all brokers have rack information for replica rack aware assignment.')
  const racks = new Map(brokers.map(b => [b.id, b.rack as string]))
  return assign(rackAlternatedBrokers(racks), partitions, replicationFactor, options, racks)
}

/**
 * Kafka's getRackAlternatedBrokerList: racks in name order, each rack's brokers in id order, taken
 * one from each rack in turn (racks 1,3,3,2,2,1 for brokers 0-5 give 0, 3, 1, 5, 4, 2).
 */
export function rackAlternatedBrokers (racks: ReadonlyMap<number, string>): number[] {
  const byRack = new Map<string, number[]>()
  for (const [id, rack] of racks) byRack.set(rack, [...(byRack.get(rack) ?? []), id])
  const queues = [...byRack.keys()].sort().map(rack => byRack.get(rack)!.sort((a, b) => a - b))
  const out: number[] = []
  for (let i = 0; out.length < racks.size; i = (i + 1) % queues.length) {
    const next = queues[i]!.shift()
    if (next !== undefined) out.push(next)
  }
  return out
}

/** The shared loop of Kafka's rack-unaware and rack-aware assignments, over brokers in their arranged order. */
function assign (arranged: readonly number[], partitions: number, replicationFactor: number, options: AssignmentOptions, racks: ReadonlyMap<number, string> | undefined): Map<number, number[]> {
  const n = arranged.length
  const numRacks = racks === undefined ? 1 : new Set(racks.values()).size
  const startIndex = options.startIndex ?? Math.floor(Math.random() * n)
  let shift = options.replicaShift ?? Math.floor(Math.random() * n)
  const result = new Map<number, number[]>()
  let partitionId = Math.max(0, options.firstPartitionId ?? 0)
  for (let i = 0; i < partitions; i++, partitionId++) {
    if (partitionId > 0 && partitionId % n === 0) shift += 1
    const first = (partitionId + startIndex) % n
    const leader = arranged[first]!
    const replicas = [leader]
    if (racks === undefined) {
      for (let j = 0; j < replicationFactor - 1; j++) replicas.push(arranged[replicaIndex(first, shift, j, n)]!)
    } else {
      const racksWithReplicas = new Set([racks.get(leader)])
      let k = 0
      while (replicas.length < replicationFactor) {
        const broker = arranged[replicaIndex(first, shift * numRacks, k++, n)]!
        const rack = racks.get(broker)
        // Kafka skips a broker whose rack already has a replica while some rack has none, and a
        // broker that already has one while some broker has none.
        if ((!racksWithReplicas.has(rack) || racksWithReplicas.size === numRacks) && (!replicas.includes(broker) || replicas.length === n)) {
          replicas.push(broker)
          racksWithReplicas.add(rack)
        }
      }
    }
    result.set(partitionId, replicas)
  }
  return result
}

function replicaIndex (first: number, secondReplicaShift: number, replica: number, n: number): number {
  const shift = 1 + (secondReplicaShift + replica) % (n - 1)
  return (first + shift) % n
}
