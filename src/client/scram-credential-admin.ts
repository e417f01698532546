/** Users' SCRAM credentials (KIP-554; Java's Admin.describeUserScramCredentials, alterUserScramCredentials). */
import { randomBytes } from 'node:crypto'
import { ErrorCode, errorName } from '../protocol/error-codes.js'
import { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from '../protocol/messages/alter-user-scram-credentials.js'
import { DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse } from '../protocol/messages/describe-user-scram-credentials.js'
import { saltedPassword, scramMechanism, scramMechanismByType, scramMechanisms } from '../security/scram.js'
import { KafkaError } from '../errors.js'
import type { AdminOptions } from './admin.js'
import type { KafkaClient } from './kafka-client.js'

export interface UserScramCredentialsDescription {
  user: string
  errorCode: number
  errorMessage: string | null
  credentials: Array<{ mechanism: string, iterations: number }>
}

/** An upsertion (with password and iterations) or, without a password, a deletion of one mechanism's credential. */
export type UserScramCredentialAlteration =
  | { user: string, mechanism: string, iterations: number, password: string }
  | { user: string, mechanism: string, iterations?: undefined, password?: undefined }

/** DescribeUserScramCredentials (KIP-554): each user's mechanisms and iterations; null for every user. */
export async function describeUserScramCredentials (client: KafkaClient, users: string[] | null, options: AdminOptions = {}): Promise<UserScramCredentialsDescription[]> {
  const response = await client.retry('DescribeUserScramCredentials', async () => {
    const conn = await client.anyConnection()
    return await conn.send(DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse, conn.version(DescribeUserScramCredentialsRequest, 0, 0), {
      users: users === null ? null : users.map(name => ({ name })),
    })
  }, { timeoutMs: options.timeoutMs })
  if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode as ErrorCode, response.errorMessage ?? errorName(response.errorCode))
  return response.results.map(r => ({
    user: r.user,
    errorCode: r.errorCode,
    errorMessage: r.errorMessage,
    credentials: r.credentialInfos.map(c => ({ mechanism: scramMechanismByType(c.mechanism)?.name ?? `UNKNOWN(${c.mechanism})`, iterations: c.iterations })),
  }))
}

/**
 * AlterUserScramCredentials (KIP-554), as Java's Admin: the password is salted and hashed here
 * (a fresh random salt, Hi() with the iterations), so only the salted password travels.
 */
export async function alterUserScramCredentials (client: KafkaClient, alterations: readonly UserScramCredentialAlteration[], options: AdminOptions = {}): Promise<Array<{ user: string, errorCode: number, errorMessage: string | null }>> {
  const deletions: Array<{ name: string, mechanism: number }> = []
  const upsertions: Array<{ name: string, mechanism: number, iterations: number, salt: Buffer, saltedPassword: Buffer }> = []
  for (const a of alterations) {
    const m = scramMechanism(a.mechanism)
    if (m === undefined) throw new KafkaError(ErrorCode.UNSUPPORTED_SASL_MECHANISM, `unknown SCRAM mechanism ${a.mechanism} (${scramMechanisms.map(x => x.name).join(', ')})`)
    if (a.password === undefined) deletions.push({ name: a.user, mechanism: m.type })
    else {
      const salt = randomBytes(m.keyBytes)
      upsertions.push({ name: a.user, mechanism: m.type, iterations: a.iterations, salt, saltedPassword: saltedPassword(m, a.password, salt, a.iterations) })
    }
  }
  const response = await client.retry('AlterUserScramCredentials', async () => {
    const conn = await client.anyConnection()
    return await conn.send(AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse, conn.version(AlterUserScramCredentialsRequest, 0, 0), { deletions, upsertions })
  }, { timeoutMs: options.timeoutMs })
  return response.results.map(r => ({ user: r.user, errorCode: r.errorCode, errorMessage: r.errorMessage }))
}
