/**
 * The way to a group's coordinator (Java's AbstractCoordinator "coordinator node"): FindCoordinator
 * on any broker, then a connection of its own. Replies come back in request order on a connection,
 * so a JoinGroup parked for a whole rebalance, or a Heartbeat, must not queue behind a long-poll
 * Fetch on the shared broker connection. Coordinator errors and lost connections forget the
 * coordinator; the next send looks it up again.
 */
import { ErrorCode, isRetriable } from '../protocol/error-codes.js'
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../protocol/messages/find-coordinator.js'
import type { Decoded, Infer, MessageDescriptor } from '../protocol/schema/index.js'
import { KafkaError } from '../errors.js'
import type { BrokerNode } from './cluster-metadata.js'
import { Connection, type SendOptions } from './connection.js'
import { describeError, type KafkaClient } from './kafka-client.js'

export interface VersionRange { min: number, max: number }

/** What the group membership and offset committer need: a unit test injects a fake one. */
export interface CoordinatorTransport {
  send<Req extends MessageDescriptor, Res extends MessageDescriptor> (request: Req, response: Res, versions: VersionRange, value: Infer<Req>, options?: SendOptions): Promise<Decoded<Res>>
  /** NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE or a dead connection: find it again before the next send. */
  markUnknown (): void
}

export class CoordinatorChannel implements CoordinatorTransport {
  private connection?: Promise<Connection>

  constructor (private readonly client: KafkaClient, readonly groupId: string) {}

  async send<Req extends MessageDescriptor, Res extends MessageDescriptor> (request: Req, response: Res, versions: VersionRange, value: Infer<Req>, options?: SendOptions): Promise<Decoded<Res>> {
    const conn = await this.connect()
    try {
      return await conn.send(request, response, conn.version(request, versions.min, versions.max), value, options)
    } catch (err) {
      if (!conn.isOpen || (err instanceof KafkaError && isRetriable(err.code))) this.markUnknown()
      throw err
    }
  }

  markUnknown (): void {
    const pending = this.connection
    this.connection = undefined
    void pending?.then(c => c.close(), () => {})
  }

  close (): void {
    this.markUnknown()
  }

  private async connect (): Promise<Connection> {
    if (this.connection !== undefined) {
      const conn = await this.connection.catch(() => undefined)
      if (conn?.isOpen === true) return conn
      this.connection = undefined
    }
    const pending = (async () => {
      const node = await findCoordinator(this.client, this.groupId)
      const c = this.client.config
      const conn = new Connection({ host: node.host, port: node.port }, {
        clientId: c['client.id'],
        connectTimeoutMs: Math.min(c['socket.connection.setup.timeout.ms'], c['request.timeout.ms']),
        requestTimeoutMs: c['request.timeout.ms'],
        security: this.client.security,
      })
      await conn.connect().catch(err => { conn.close(); throw err })
      return conn
    })()
    this.connection = pending
    pending.catch(() => { if (this.connection === pending) this.connection = undefined })
    return await pending
  }
}

/** FindCoordinator's key types. */
export const CoordinatorType = { GROUP: 0, TRANSACTION: 1 } as const
export type CoordinatorType = (typeof CoordinatorType)[keyof typeof CoordinatorType]

/**
 * The coordinator of a group or (keyType TRANSACTION, FindCoordinator v1+) a transactional id,
 * asked of any broker with v0-4. COORDINATOR_NOT_AVAILABLE (e.g. while __consumer_offsets or
 * __transaction_state is being created) is retried until default.api.timeout.ms.
 */
export async function findCoordinator (client: KafkaClient, key: string, keyType: CoordinatorType = CoordinatorType.GROUP): Promise<BrokerNode> {
  const what = `${keyType === CoordinatorType.GROUP ? 'group' : 'transactional id'} ${key}`
  return await client.retry(`FindCoordinator for ${what}`, async () => {
    const conn = await client.anyConnection()
    const version = conn.version(FindCoordinatorRequest, keyType === CoordinatorType.GROUP ? 0 : 1, 4)
    const response = await conn.send(FindCoordinatorRequest, FindCoordinatorResponse, version, { key, keyType, coordinatorKeys: [key] })
    const answer = version >= 4
      ? response.coordinators[0] ?? { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: null, nodeId: -1, host: '', port: -1 }
      : response
    if (answer.errorCode !== ErrorCode.NONE) {
      throw new KafkaError(answer.errorCode as ErrorCode, `FindCoordinator for ${what}: ${describeError(answer.errorCode, answer.errorMessage)}`)
    }
    return { nodeId: answer.nodeId, host: answer.host, port: answer.port, rack: null }
  })
}
