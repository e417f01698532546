/**
 * What a token's principal may do through the gateway: the same decision a broker makes for that
 * principal, from the same ACLs. With gateway.auth.principals the gateway runs the brokers' own
 * AclAuthorizer (src/security/acl-authorizer.ts) on the cluster's ZooKeeper: every ACL under
 * /kafka-acl and /kafka-acl-extended read at start, then each change as the brokers follow it
 * (/kafka-acl-changes notifications), so the znodes stay the one source of truth, an ACL added with
 * kafka-acls binds gateway sockets within moments, and no decision waits on the network. (Asking
 * the cluster with DescribeAcls instead would poll, lag behind every change, and re-implement the
 * matching rules.) The gateway's own clients act as the gateway's principal, which must be allowed
 * everything the tokens' principals may be (a super user, as Kafka's docs advise for brokers).
 *
 * Without principals every operation is allowed, as today.
 */
import type { Logger } from '../logger.js'
import { ZkSession } from '../cluster/zk-session.js'
import { AclAuthorizer } from '../security/acl-authorizer.js'
import type { AclOperation, ResourceType } from '../security/acl-binding.js'
import { authorizationError } from '../server/auth-helper.js'
import type { GatewayConfig } from './gateway-config.js'

/** One socket's or one HTTP request's rights: its principal, from its client's address. */
export interface Access {
  readonly principal: string
  /** False when the gateway checks nothing (no principals configured). */
  readonly enforced: boolean
  /** `api` names the gateway operation in the audit line (`request = gateway produce`); `quiet` keeps a denial that only filters a list out of it. */
  authorize: (operation: AclOperation, resourceType: ResourceType, name: string, api: string, quiet?: boolean) => boolean
  /** Throws the resource type's *_AUTHORIZATION_FAILED (Kafka's code and message) unless allowed. */
  ensure: (operation: AclOperation, resourceType: ResourceType, name: string, api: string) => void
}

/** Rights that are never checked: a gateway without principals. */
export const uncheckedAccess = (principal: string): Access => ({ principal, enforced: false, authorize: () => true, ensure: () => {} })

export class GatewayAuthorizer {
  private acls?: AclAuthorizer
  private zk?: ZkSession

  constructor (private readonly config: GatewayConfig, private readonly log: Logger) {}

  /** With principals configured: every ACL in memory before the gateway serves anyone (as a broker before its listeners open). */
  async start (): Promise<void> {
    const zookeeperConnect = this.config.values['zookeeper.connect']
    if (this.config.authorization === undefined || zookeeperConnect === null) return
    const zk = await ZkSession.connect(zookeeperConnect, { sessionTimeoutMs: 30_000, connectionTimeoutMs: 10_000, logger: this.log })
    try {
      this.acls = await AclAuthorizer.start(zk, { ...this.config.authorization, purgeNotifications: false }, this.log.child({ component: 'authorizer' }), this.log.child({ component: 'kafka.authorizer.logger' }))
      this.zk = zk
    } catch (err) {
      zk.close()
      throw err
    }
  }

  get enforced (): boolean { return this.config.authorization !== undefined }

  /** The rights of `principal` connecting from `host` (an IP address, as ACL host filters name it). */
  access (principal: string, host: string): Access {
    const acls = this.acls
    if (!this.enforced) return uncheckedAccess(principal)
    if (acls === undefined) throw new Error('the gateway\'s authorizer has not started')
    const session = { principal, host }
    const authorize = (operation: AclOperation, resourceType: ResourceType, name: string, api: string, quiet = false): boolean =>
      acls.authorize(session, operation, resourceType, name, { api: `gateway ${api}`, logIfDenied: !quiet })
    return {
      principal,
      enforced: true,
      authorize,
      ensure: (operation, resourceType, name, api) => {
        if (!authorize(operation, resourceType, name, api)) throw authorizationError(resourceType, name, `gateway ${api}`)
      },
    }
  }

  stop (): void {
    this.acls?.stop()
    this.zk?.close()
  }
}
