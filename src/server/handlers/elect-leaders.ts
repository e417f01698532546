import { ErrorCode } from '../../protocol/error-codes.js'
import { ElectLeadersRequest, ElectLeadersResponse } from '../../protocol/messages/elect-leaders.js'
import { defineHandler } from '../api-handler.js'

const PREFERRED = 0
const OUTCOME_CODES = { elected: ErrorCode.NONE, 'not needed': ErrorCode.ELECTION_NOT_NEEDED, 'not available': ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, unknown: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION } as const

/** Preferred leader election on request (kafka-leader-election); served by the controller. */
export const handleElectLeaders = defineHandler(ElectLeadersRequest, ElectLeadersResponse, async (req, ctx) => {
  const wanted = req.topicPartitions === null ? null : req.topicPartitions.flatMap(t => t.partitions.map(partition => ({ topic: t.topic, partition })))
  if (ctx.apiVersion >= 1 && req.electionType !== PREFERRED) {
    // Unclean election on demand is not offered: unclean.leader.election.enable per topic does it.
    return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, replicaElectionResults: [] }
  }
  const outcomes = await ctx.broker.leadership.electPreferredLeaders(wanted)
  if (outcomes === undefined) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, replicaElectionResults: [] }
  const byTopic = new Map<string, Array<{ partitionId: number, errorCode: number, errorMessage: string | null }>>()
  for (const [key, outcome] of outcomes) {
    const colon = key.lastIndexOf(':')
    const topic = key.slice(0, colon)
    const list = byTopic.get(topic) ?? []
    list.push({ partitionId: Number(key.slice(colon + 1)), errorCode: OUTCOME_CODES[outcome], errorMessage: outcome === 'elected' ? null : outcome })
    byTopic.set(topic, list)
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, replicaElectionResults: [...byTopic].map(([topic, partitionResult]) => ({ topic, partitionResult })) }
})
