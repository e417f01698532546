import { ErrorCode } from '../../protocol/error-codes.js'
import { ElectLeadersRequest, ElectLeadersResponse } from '../../protocol/messages/elect-leaders.js'
import type { ElectionOutcome, TopicPartition } from '../../controller/partition-state-machine.js'
import { defineHandler } from '../api-handler.js'
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/acl-binding.js'

const PREFERRED = 0
const OUTCOME_CODES = { elected: ErrorCode.NONE, 'not needed': ErrorCode.ELECTION_NOT_NEEDED, 'not available': ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, unknown: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION } as const

interface PartitionResult { partitionId: number, errorCode: number, errorMessage: string | null }

/**
 * Preferred leader election on request (kafka-leader-election); served by the controller. The
 * answer waits for the elections up to the request's timeoutMs, then says REQUEST_TIMED_OUT for
 * each partition while the elections go on (Kafka's DelayedElectLeader).
 */
export const handleElectLeaders = defineHandler(ElectLeadersRequest, ElectLeadersResponse, async (req, ctx) => {
  ctx.ensureAuthorized(AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_NAME)
  const wanted = req.topicPartitions === null ? null : req.topicPartitions.flatMap(t => t.partitions.map(partition => ({ topic: t.topic, partition })))
  if (ctx.apiVersion >= 1 && req.electionType !== PREFERRED) {
    // Unclean election on demand is not offered: unclean.leader.election.enable per topic does it.
    return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, replicaElectionResults: [] }
  }
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timed out'>(resolve => { timer = setTimeout(() => resolve('timed out'), Math.max(0, req.timeoutMs)) })
  const outcomes = await Promise.race([ctx.broker.controller.electPreferredLeaders(wanted), timedOut])
  clearTimeout(timer)
  if (outcomes === undefined) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, replicaElectionResults: [] }
  const byTopic = new Map<string, PartitionResult[]>()
  const add = ({ topic, partition }: TopicPartition, errorCode: number, errorMessage: string | null): void => {
    const list = byTopic.get(topic) ?? []
    list.push({ partitionId: partition, errorCode, errorMessage })
    byTopic.set(topic, list)
  }
  if (outcomes === 'timed out') {
    const partitions = wanted ?? ctx.broker.metadata.topics().flatMap(t => [...t.partitions.keys()].map(partition => ({ topic: t.name, partition })))
    for (const tp of partitions) add(tp, ErrorCode.REQUEST_TIMED_OUT, `The election did not finish within ${req.timeoutMs} ms`)
  } else {
    for (const [key, outcome] of outcomes) add(parseKey(key), OUTCOME_CODES[outcome], outcomeMessage(outcome))
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, replicaElectionResults: [...byTopic].map(([topic, partitionResult]) => ({ topic, partitionResult })) }
})

function parseKey (key: string): TopicPartition {
  const colon = key.lastIndexOf(':')
  return { topic: key.slice(0, colon), partition: Number(key.slice(colon + 1)) }
}

function outcomeMessage (outcome: ElectionOutcome): string | null {
  return outcome === 'elected' ? null : outcome
}
