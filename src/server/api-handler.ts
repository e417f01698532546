import type { RequestHeader } from '../protocol/header.js'
import type { Decoded, Infer, MessageDescriptor } from '../protocol/schema/index.js'
import type { AuthHelper } from './auth-helper.js'
import type { BrokerContext } from './broker-context.js'
import type { Connection } from './connection.js'

/** A request's context; its AuthHelper functions answer for the connection's principal (ctx.authorize(op, resourceType, name)). */
export interface RequestContext extends AuthHelper {
  header: RequestHeader
  apiVersion: number
  broker: BrokerContext
  connection: Connection
  /** The listener the request came in on: Metadata answers with that listener's endpoints. */
  listenerName: string
  /** The request's size (Kafka's request.sizeInBytes): what a producer_byte_rate quota counts. */
  requestBytes: number
  /**
   * Gives the request's frame back to the network buffer pool (Kafka's
   * RequestChannel.Request.releaseBuffer): only once nothing reads its bytes any more, as Produce
   * once its records are in the log.
   */
  releaseRequestBuffer: () => void
  /** `callback` runs once the response has left through the socket (never if it does not): Fetch gives back its read buffers. */
  whenResponseWritten: (callback: () => void) => void
}

/**
 * One API's handler: its schemas, the versions it serves (the schema's range unless narrowed) and
 * the function. Returning null sends no response (Produce with acks=0).
 */
export interface ApiHandler<Req extends MessageDescriptor = MessageDescriptor, Res extends MessageDescriptor = MessageDescriptor> {
  request: Req
  response: Res
  minVersion: number
  maxVersion: number
  handle: (request: Decoded<Req>, ctx: RequestContext) => Promise<Infer<Res> | null> | Infer<Res> | null
}

export function defineHandler<Req extends MessageDescriptor, Res extends MessageDescriptor> (
  request: Req, response: Res,
  handle: ApiHandler<Req, Res>['handle'],
  versions: { min?: number, max?: number } = {},
): ApiHandler {
  return {
    request,
    response,
    minVersion: versions.min ?? request.validVersions.min,
    maxVersion: Math.min(versions.max ?? request.validVersions.max, response.validVersions.max),
    handle,
  } as unknown as ApiHandler
}
