/**
 * The HTTP side of the dashboard's JSON API (docs/dashboard.md): Kafka's errors as HTTP answers,
 * request bodies read with a bound, JSON answers; and what the handlers of changes are given.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCode, errorName } from '../protocol/error-codes.js'
import type { ClusterView } from './cluster-view.js'
import type { ConsumerGroupsView } from './consumer-groups-view.js'

const MAX_BODY_BYTES = 65_536

/** Kafka's error, as an HTTP answer: the status a REST client expects, the code and name a Kafka user knows. */
export class ApiError extends Error {
  constructor (readonly status: number, readonly code: number, message: string) { super(message) }
}

export const STATUS_OF: Partial<Record<number, number>> = {
  [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]: 404,
  [ErrorCode.TOPIC_ALREADY_EXISTS]: 409,
  [ErrorCode.TOPIC_AUTHORIZATION_FAILED]: 403,
  [ErrorCode.GROUP_AUTHORIZATION_FAILED]: 403,
  [ErrorCode.CLUSTER_AUTHORIZATION_FAILED]: 403,
  [ErrorCode.SECURITY_DISABLED]: 409,
  [ErrorCode.RESOURCE_NOT_FOUND]: 404,
  [ErrorCode.INVALID_REQUEST]: 400,
  [ErrorCode.NON_EMPTY_GROUP]: 409,
  [ErrorCode.GROUP_ID_NOT_FOUND]: 404,
}

/** A failed result of an admin request, as the ApiError to answer with; nothing for success. */
export function throwIfFailed (result: { errorCode: number, errorMessage: string | null }): void {
  if (result.errorCode !== ErrorCode.NONE) throw new ApiError(STATUS_OF[result.errorCode] ?? 400, result.errorCode, result.errorMessage ?? errorName(result.errorCode))
}

/** What a handler of the API is given: the views, and the check every change passes first (read-only, Origin). */
export interface ApiContext {
  readonly view: ClusterView
  readonly groups: ConsumerGroupsView
  checkWrite: (req: IncomingMessage, what: string, code?: number) => void
}

export async function readJson (req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw new ApiError(413, ErrorCode.INVALID_REQUEST, `the body is larger than ${MAX_BODY_BYTES} bytes`)
    chunks.push(chunk as Buffer)
  }
  let body: unknown
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch (err) {
    throw new ApiError(400, ErrorCode.INVALID_REQUEST, `the body is not JSON: ${(err as Error).message}`)
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, ErrorCode.INVALID_REQUEST, 'the body must be a JSON object')
  return body as Record<string, unknown>
}

export function json (res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers })
  res.end(JSON.stringify(body))
}

export function text (res: ServerResponse, status: number, body: string, type: string): void {
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' })
  res.end(body)
}
