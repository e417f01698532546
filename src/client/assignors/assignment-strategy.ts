/**
 * partition.assignment.strategy resolved to assignors (Java's
 * ConsumerPartitionAssignor.getAssignorInstances): Kafka's class names or the protocol names, in
 * the member's order of preference. Kept apart from partition-assignor.ts, which the assignors
 * themselves import, so that no assignor imports the registry that lists it.
 */
import { ErrorCode } from '../../protocol/error-codes.js'
import { KafkaError } from '../../errors.js'
import { CooperativeStickyAssignor } from './cooperative-sticky.js'
import type { PartitionAssignor, RebalanceProtocol } from './partition-assignor.js'
import { RangeAssignor } from './range.js'
import { RoundRobinAssignor } from './roundrobin.js'

export function assignorsFor (strategy: readonly string[]): PartitionAssignor[] {
  if (strategy.length === 0) throw new KafkaError(ErrorCode.INVALID_CONFIG, 'partition.assignment.strategy is empty')
  return strategy.map(s => {
    const make = BY_NAME[CLASS_NAMES[s.trim()] ?? s.trim()]
    if (make === undefined) throw new KafkaError(ErrorCode.INVALID_CONFIG, `partition.assignment.strategy: unknown assignor "${s}" (known: ${Object.keys(BY_NAME).join(', ')})`)
    return make()
  })
}

/** Java's ConsumerCoordinator: COOPERATIVE only when every configured assignor supports it. */
export function rebalanceProtocolOf (assignors: readonly PartitionAssignor[]): RebalanceProtocol {
  return assignors.every(a => a.supportedProtocols.includes('COOPERATIVE')) ? 'COOPERATIVE' : 'EAGER'
}

const BY_NAME: Record<string, () => PartitionAssignor> = {
  range: () => new RangeAssignor(),
  roundrobin: () => new RoundRobinAssignor(),
  'cooperative-sticky': () => new CooperativeStickyAssignor(),
}

const CLASS_NAMES: Record<string, string> = {
  'org.apache.kafka.clients.consumer.RangeAssignor': 'range',
  'org.apache.kafka.clients.consumer.RoundRobinAssignor': 'roundrobin',
  'org.apache.kafka.clients.consumer.CooperativeStickyAssignor': 'cooperative-sticky',
}
