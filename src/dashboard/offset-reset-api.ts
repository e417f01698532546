/** The dashboard's offset reset, as kafka-consumer-groups --reset-offsets (src/cli/offset-reset-plan.ts). */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { planOffsetReset, RESET_SPECS, type ResetRequest, type ResetSpec } from '../cli/offset-reset-plan.js'
import { UsageError } from '../errors.js'
import type { Access } from '../gateway/gateway-authorizer.js'
import { ErrorCode, errorName } from '../protocol/error-codes.js'
import { AclOperation, ResourceType } from '../security/acl-binding.js'
import { ApiError, json, readJson, type ApiContext } from './dashboard-http.js'

/**
 * kafka-consumer-groups --reset-offsets (src/cli/offset-reset-plan.ts): the plan, and with
 * `execute` the commit of it. As the tool, refused while the group has members; and
 * `execute` is refused by a read-only gateway (a dry run changes nothing).
 */
export async function resetOffsets (ctx: ApiContext, req: IncomingMessage, res: ServerResponse, groupId: string, access: Access): Promise<void> {
  const body = await readJson(req)
  const execute = body['execute'] === true
  if (execute) ctx.checkWrite(req, `the offsets of group ${groupId} cannot be reset`, ErrorCode.GROUP_AUTHORIZATION_FAILED)
  // DescribeGroups and OffsetFetch: Describe on the group; executing is an OffsetCommit: Read on it and on each topic
  access.ensure(execute ? AclOperation.READ : AclOperation.DESCRIBE, ResourceType.GROUP, groupId, 'dashboard reset offsets')
  const spec = body['spec']
  if (!RESET_SPECS.includes(spec as ResetSpec)) throw new ApiError(400, ErrorCode.INVALID_REQUEST, `"spec" must be one of ${RESET_SPECS.join(', ')}`)
  const topics = body['topics'] ?? 'all'
  if (topics !== 'all' && (!Array.isArray(topics) || topics.length === 0 || topics.some(t => typeof t !== 'string'))) throw new ApiError(400, ErrorCode.INVALID_REQUEST, '"topics" must be "all" or a list of topic (or topic:0,1) names')
  const num = (key: string): number | undefined => {
    const v = body[key]
    if (v === undefined) return undefined
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ApiError(400, ErrorCode.INVALID_REQUEST, `"${key}" must be an integer`)
    return v
  }
  const request: ResetRequest = { spec: spec as ResetSpec, topics: topics as string[] | 'all', offset: num('offset'), timestampMs: num('timestampMs') }
  if ((request.spec === 'to-offset' || request.spec === 'shift-by') && request.offset === undefined) throw new ApiError(400, ErrorCode.INVALID_REQUEST, `"offset" is required with ${request.spec}`)
  if (request.spec === 'to-datetime' && request.timestampMs === undefined) throw new ApiError(400, ErrorCode.INVALID_REQUEST, '"timestampMs" is required with to-datetime')
  const admin = ctx.groups.admin
  const described = await admin.describeGroup(groupId)
  if (described.state !== 'Empty' && described.state !== 'Dead') {
    throw new ApiError(409, ErrorCode.NON_EMPTY_GROUP, `Assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${described.state}.`)
  }
  let plan
  try {
    plan = await planOffsetReset(admin, groupId, request)
  } catch (err) {
    if (err instanceof UsageError) throw new ApiError(400, ErrorCode.INVALID_REQUEST, err.message)
    throw err
  }
  const committed = await admin.committedOffsets(groupId)
  for (const topic of new Set(plan.map(p => p.topic))) access.ensure(execute ? AclOperation.READ : AclOperation.DESCRIBE, ResourceType.TOPIC, topic, 'dashboard reset offsets')
  const rows = plan.map(p => ({ topic: p.topic, partition: p.partition, currentOffset: committed.get(`${p.topic}\u0000${p.partition}`)?.offset ?? -1, newOffset: p.offset }))
  if (!execute) return json(res, 200, { groupId, execute, plan: rows })
  const refused = (await admin.alterOffsets(groupId, plan)).filter(r => r.errorCode !== ErrorCode.NONE)
  json(res, refused.length === 0 ? 200 : 409, { groupId, execute, plan: rows, errors: refused.map(r => ({ topic: r.topic, partition: r.partition, code: r.errorCode, name: errorName(r.errorCode) })) })
}
