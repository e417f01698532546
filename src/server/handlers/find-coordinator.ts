import { ErrorCode } from '../../protocol/error-codes.js'
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../../protocol/messages/find-coordinator.js'
import { defineHandler, type RequestContext } from '../api-handler.js'
import { AclOperation, ResourceType } from '../../security/acl-binding.js'

interface Answer { errorCode: number, errorMessage: string | null, nodeId: number, host: string, port: number }

/**
 * FindCoordinator: the leader of the group's __consumer_offsets partition, at its endpoint for the
 * listener the request came in on; the topic is created on first use (COORDINATOR_NOT_AVAILABLE
 * until it has leaders). Key type 1: the leader of the transactional id's __transaction_state
 * partition, the same way. v4+ batches keys.
 */
export const handleFindCoordinator = defineHandler(FindCoordinatorRequest, FindCoordinatorResponse, async (req, ctx) => {
  const keys = ctx.apiVersion >= 4 ? req.coordinatorKeys : [req.key]
  const answers = await Promise.all(keys.map(async key => await coordinatorFor(key, req.keyType, ctx)))
  if (ctx.apiVersion >= 4) return { throttleTimeMs: 0, coordinators: answers.map((a, i) => ({ key: keys[i] as string, ...a })) }
  return { throttleTimeMs: 0, ...(answers[0] as Answer) }
}, { max: 4 })

async function coordinatorFor (key: string, keyType: number, ctx: RequestContext): Promise<Answer> {
  const fail = (errorCode: number, errorMessage: string | null = null): Answer => ({ errorCode, errorMessage, nodeId: -1, host: '', port: -1 })
  if (keyType !== 0 && keyType !== 1) return fail(ErrorCode.INVALID_REQUEST, `unknown key type ${keyType}`)
  // KafkaApis.getCoordinator: Describe on the group or the transactional id
  if (keyType === 0 && !ctx.authorize(AclOperation.DESCRIBE, ResourceType.GROUP, key)) return fail(ErrorCode.GROUP_AUTHORIZATION_FAILED)
  if (keyType === 1 && !ctx.authorize(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, key)) return fail(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
  const { errorCode, nodeId } = keyType === 0 ? await ctx.broker.groups.findCoordinator(key) : await ctx.broker.transactions.findCoordinator(key)
  if (errorCode !== ErrorCode.NONE) return fail(errorCode)
  const endpoint = ctx.broker.metadata.broker(nodeId)?.endpoints.find(e => e.listenerName === ctx.listenerName)
  if (endpoint === undefined) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE)
  return { errorCode: ErrorCode.NONE, errorMessage: null, nodeId, host: endpoint.host, port: endpoint.port }
}
