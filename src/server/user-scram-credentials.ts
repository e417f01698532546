/**
 * DescribeUserScramCredentials and AlterUserScramCredentials over /config/users (KIP-554, as
 * Kafka's ZkAdminManager does it): one result per user, each user's znode read, changed and
 * written with a /config/changes notification, which every broker's CredentialCache follows.
 * The client sends the salted password; the broker derives StoredKey and ServerKey from it.
 */
import { readEntityConfig, writeEntityConfig } from '../cluster/topic-admin.js'
import { desanitizeEntityName, sanitizeEntityName } from '../cluster/znodes.js'
import { ErrorCode } from '../protocol/error-codes.js'
import type { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from '../protocol/messages/alter-user-scram-credentials.js'
import type { DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse } from '../protocol/messages/describe-user-scram-credentials.js'
import { credentialFromSaltedPassword, formatCredential, MAX_ITERATIONS, MIN_ITERATIONS, parseCredential, scramMechanismByType, scramMechanisms } from '../security/scram.js'
import type { BrokerContext } from './broker-context.js'

/**
 * Ours, not Kafka's: the longest user name accepted. The name is a znode's, and a path near
 * ZooKeeper's packet limit (jute.maxbuffer) would fail the broker's session, not just the request.
 */
const MAX_USER_NAME_BYTES = 4096

/** The znode name of a user, or undefined for a name that cannot be one. */
function userZnodeName (user: string): string | undefined {
  const name = sanitizeEntityName(user)
  return user === '' || Buffer.byteLength(name) > MAX_USER_NAME_BYTES ? undefined : name
}

type DescribeResult = DescribeUserScramCredentialsResponse['results'][number]
type AlterResult = AlterUserScramCredentialsResponse['results'][number]

export async function describeUserScramCredentials (broker: BrokerContext, req: DescribeUserScramCredentialsRequest): Promise<DescribeUserScramCredentialsResponse> {
  const asked = req.users?.map(u => u.name) ?? []
  const all = asked.length === 0
  const users = all ? (await broker.zk.getChildren('/config/users')).map(desanitizeEntityName).sort() : asked
  const seen = new Map<string, number>()
  for (const u of asked) seen.set(u, (seen.get(u) ?? 0) + 1)
  const results: DescribeResult[] = []
  for (const user of new Set(users)) {
    if ((seen.get(user) ?? 0) > 1) {
      results.push({ user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'Cannot describe SCRAM credentials for the same user twice in a single request', credentialInfos: [] })
      continue
    }
    const znode = userZnodeName(user)
    const config = znode === undefined ? {} : await readEntityConfig(broker.zk, 'users', znode)
    const credentialInfos = scramMechanisms.flatMap(m => {
      const c = config[m.name] === undefined ? undefined : parseCredential(m, config[m.name]!)
      return c === undefined ? [] : [{ mechanism: m.type, iterations: c.iterations }]
    })
    if (credentialInfos.length > 0) results.push({ user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos })
    else if (!all) results.push({ user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist', credentialInfos: [] })
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results }
}

export async function alterUserScramCredentials (broker: BrokerContext, req: AlterUserScramCredentialsRequest): Promise<AlterUserScramCredentialsResponse> {
  const byUser = new Map<string, { refused?: AlterResult, deletions: number[], upsertions: AlterUserScramCredentialsRequest['upsertions'] }>()
  const entry = (user: string): { refused?: AlterResult, deletions: number[], upsertions: AlterUserScramCredentialsRequest['upsertions'] } => {
    let e = byUser.get(user)
    if (e === undefined) byUser.set(user, e = { deletions: [], upsertions: [] })
    return e
  }
  const refuse = (user: string, errorCode: number, errorMessage: string): void => {
    const e = entry(user)
    e.refused ??= { user, errorCode, errorMessage }
  }
  for (const d of req.deletions) {
    const e = entry(d.name)
    if (d.name === '') refuse(d.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty')
    else if (userZnodeName(d.name) === undefined) refuse(d.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, `Username must not exceed ${MAX_USER_NAME_BYTES} bytes once sanitized`)
    else if (scramMechanismByType(d.mechanism) === undefined) refuse(d.name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism')
    else if (e.deletions.includes(d.mechanism)) refuse(d.name, ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request')
    else e.deletions.push(d.mechanism)
  }
  for (const u of req.upsertions) {
    const e = entry(u.name)
    if (u.name === '') refuse(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty')
    else if (userZnodeName(u.name) === undefined) refuse(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, `Username must not exceed ${MAX_USER_NAME_BYTES} bytes once sanitized`)
    else if (scramMechanismByType(u.mechanism) === undefined) refuse(u.name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism')
    else if (u.iterations < MIN_ITERATIONS) refuse(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too few iterations')
    else if (u.iterations > MAX_ITERATIONS) refuse(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too many iterations')
    else if (u.salt.length === 0 || u.saltedPassword.length === 0) refuse(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'The salt and the salted password must not be empty')
    else if (e.deletions.includes(u.mechanism) || e.upsertions.some(x => x.mechanism === u.mechanism)) refuse(u.name, ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request')
    else e.upsertions.push(u)
  }
  const results: AlterResult[] = []
  for (const [user, e] of byUser) {
    if (e.refused !== undefined) {
      results.push(e.refused)
      continue
    }
    const name = userZnodeName(user)!
    const config = await readEntityConfig(broker.zk, 'users', name)
    const missing = e.deletions.map(t => scramMechanismByType(t)!.name).find(n => config[n] === undefined)
    if (missing !== undefined) {
      results.push({ user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to delete a user credential that does not exist' })
      continue
    }
    for (const t of e.deletions) delete config[scramMechanismByType(t)!.name]
    for (const u of e.upsertions) {
      const m = scramMechanismByType(u.mechanism)!
      config[m.name] = formatCredential(credentialFromSaltedPassword(m, u.saltedPassword, u.salt, u.iterations))
    }
    await writeEntityConfig(broker.zk, 'users', name, config)
    broker.log.info('SCRAM credentials altered', { user, upserted: e.upsertions.map(u => scramMechanismByType(u.mechanism)!.name), deleted: e.deletions.map(t => scramMechanismByType(t)!.name) })
    results.push({ user, errorCode: ErrorCode.NONE, errorMessage: null })
  }
  return { throttleTimeMs: 0, results }
}
