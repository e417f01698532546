import type { Logger } from '../logger.js'
import { aclChangeZnode, aclZnode } from '../cluster/znodes.js'
import { ZkError, type ZkClient } from '../cluster/zk-session.js'
import { ZkNodeChangeNotificationListener } from '../cluster/zk-node-change-notification-listener.js'
import { ErrorCode } from '../protocol/error-codes.js'
import {
  AclOperation, AclPermissionType, bindingFilterMatches, camelName, invalidBindingReason, operationName, parseCode, patternFilterMatches,
  PatternType, patternTypeName, permissionTypeName, ResourceType, resourceTypeName, supportedOperations, WILDCARD_HOST, WILDCARD_PRINCIPAL,
  WILDCARD_RESOURCE, type AccessControlEntry, type AclBinding, type AclBindingFilter, type ResourcePattern,
} from './acl-binding.js'

/** Who asks: the connection's principal ("User:alice") and the client's IP address. */
export interface Session { principal: string, host: string }

/** What the audit line names (Kafka's RequestContext.requestType and Action.logIfAllowed/logIfDenied). */
export interface AuditContext { api: string, logIfAllowed?: boolean, logIfDenied?: boolean }

export interface AclAuthorizerConfig {
  /** super.users: principals allowed everything, "User:admin;User:broker". */
  superUsers: readonly string[]
  /** allow.everyone.if.no.acl.found */
  allowEveryoneIfNoAclFound: boolean
  /** Delete notifications after 15 minutes, as every broker does (default); off for a reader that is not a broker (the gateway). */
  purgeNotifications?: boolean
}

export interface AclCreateResult { errorCode: number, errorMessage: string | null }
export interface AclDeleteResult { errorCode: number, errorMessage: string | null, deleted: AclBinding[] }

/** Kafka's implied operations (AclAuthorizer.authorizeAction): what an ALLOW of each also grants. */
const impliedBy: Partial<Record<AclOperation, readonly AclOperation[]>> = {
  [AclOperation.DESCRIBE]: [AclOperation.DESCRIBE, AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER],
  [AclOperation.DESCRIBE_CONFIGS]: [AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS],
}

/** The longest resource name stored (ours: it is a znode's name, as for SCRAM users). */
const MAX_RESOURCE_NAME_BYTES = 4096

/**
 * Kafka's AclAuthorizer (ZooKeeper mode): ACLs in ZooKeeper, every broker holding all of them in
 * memory, read at start and on each new session, then one resource again for each notification
 * under /kafka-acl-changes and /kafka-acl-extended-changes, so that a change made on any broker
 * is in effect on all without a restart. Decisions are synchronous and follow AclAuthorizer:
 * super users may do anything; a resource's ACLs are its LITERAL ones, the LITERAL `*` ones of
 * its type and the PREFIXED ones whose prefix it starts with; with none, allow.everyone.if.no.acl.found
 * decides; otherwise a matching DENY refuses, else a matching ALLOW (of the operation, of ALL, or
 * of one implying it) grants. Every decision goes to the audit logger (kafka.authorizer.logger):
 * denials at info, allows at debug.
 */
export class AclAuthorizer {
  /** LITERAL patterns by `<type>\0<name>`; PREFIXED ones by type, then prefix. */
  private literal = new Map<string, AccessControlEntry[]>()
  private prefixed = new Map<ResourceType, Map<string, AccessControlEntry[]>>()
  /**
   * The distinct lengths of each type's prefixes: a name is matched by looking up its own prefixes
   * of those lengths, so a decision costs a few map lookups however many PREFIXED ACLs there are
   * (Kafka looks them up in a sorted map for the same reason).
   */
  private prefixLengths = new Map<ResourceType, number[]>()
  /** How many prefixes of each type have each length. */
  private prefixLengthCounts = new Map<ResourceType, Map<number, number>>()
  private readonly superUsers: Set<string>
  /** /kafka-acl-changes (LITERAL resources) and /kafka-acl-extended-changes (PREFIXED ones). */
  private readonly changes: ZkNodeChangeNotificationListener[]
  private stopped = false
  /** ZooKeeper reads of the cache, one at a time, in arrival order. */
  private queue: Promise<void> = Promise.resolve()
  /** This broker's ACL writes, one at a time: two requests changing one resource do not race (other brokers are caught by znode versions). */
  private writes: Promise<unknown> = Promise.resolve()

  static async start (zk: ZkClient, config: AclAuthorizerConfig, log: Logger, auditLog: Logger): Promise<AclAuthorizer> {
    const authorizer = new AclAuthorizer(zk, config, log, auditLog)
    // Kafka's createAclPaths: the roots exist before any broker watches or writes them
    // (only when missing: a reader without write access to a zookeeper.set.acl tree, the gateway, may not even try)
    for (const path of [aclZnode.literalRoot, aclZnode.prefixedRoot, aclChangeZnode.literalRoot, aclChangeZnode.extendedRoot]) if (!await zk.exists(path)) await zk.mkdirp(path)
    authorizer.enqueue(async () => await authorizer.loadAll())
    await authorizer.queue
    zk.on('session', () => authorizer.enqueue(async () => await authorizer.loadAll()))
    return authorizer
  }

  private constructor (private readonly zk: ZkClient, private readonly config: AclAuthorizerConfig, private readonly log: Logger, private readonly auditLog: Logger) {
    this.superUsers = new Set(config.superUsers)
    this.changes = [aclChangeZnode.literalRoot, aclChangeZnode.extendedRoot].map(root => new ZkNodeChangeNotificationListener(zk, root, {
      process: async (data, path) => await this.onChange(root, data, path),
      schedule: work => this.enqueue(work),
      isStopped: () => this.stopped,
      purge: config.purgeNotifications ?? true,
      log,
    }))
  }

  stop (): void { this.stopped = true }

  /** AclAuthorizer.authorize for one action on a LITERAL resource. */
  authorize (session: Session, operation: AclOperation, resourceType: ResourceType, name: string, audit: AuditContext): boolean {
    const allowed = this.decide(session, operation, resourceType, name)
    this.logAudit(session, operation, resourceType, name, allowed, audit)
    return allowed
  }

  /**
   * Authorizer.authorizeByResourceType (KIP-679): may the session do the operation on some
   * resource of the type? Yes for a super user (or where the hard-coded name is allowed), for an
   * ALLOW on `*`, or for an ALLOW on a name or prefix that no DENY on it or on a shorter prefix
   * covers; a DENY on `*` refuses.
   */
  authorizeByResourceType (session: Session, operation: AclOperation, resourceType: ResourceType, audit: AuditContext): boolean {
    if (this.decide(session, operation, resourceType, 'hardcode')) {
      this.logAudit(session, operation, resourceType, 'hardcode', true, audit)
      return true
    }
    const denyLiteral = new Set<string>()
    const denyPrefixed = new Set<string>()
    const allows: Array<{ name: string, prefixed: boolean }> = []
    const consider = (name: string, prefixed: boolean, entries: readonly AccessControlEntry[]): boolean => {
      for (const e of entries) {
        if (!this.entryApplies(e, session, [operation])) continue
        if (e.permissionType === AclPermissionType.DENY) {
          if (!prefixed && name === WILDCARD_RESOURCE) return true
          ;(prefixed ? denyPrefixed : denyLiteral).add(name)
        } else {
          allows.push({ name, prefixed })
        }
      }
      return false
    }
    let deniedAll = false
    const typePrefix = `${resourceType}\u0000`
    for (const [key, entries] of this.literal) if (key.startsWith(typePrefix)) deniedAll ||= consider(key.slice(typePrefix.length), false, entries)
    for (const [name, entries] of this.prefixed.get(resourceType) ?? []) deniedAll ||= consider(name, true, entries)
    let allowed = false
    if (!deniedAll) {
      allowed = allows.some(a => {
        if (!a.prefixed && a.name === WILDCARD_RESOURCE) return true
        if (!a.prefixed && denyLiteral.has(a.name)) return false
        for (let i = 1; i <= a.name.length; i++) if (denyPrefixed.has(a.name.slice(0, i))) return false
        return true
      })
    }
    this.logAudit(session, operation, resourceType, WILDCARD_RESOURCE, allowed, audit)
    return allowed
  }

  /** The operations of the resource the session may do (Kafka's authorizedOperations), none logged. */
  authorizedOperations (session: Session, resourceType: ResourceType, name: string): AclOperation[] {
    return (supportedOperations[resourceType] ?? []).filter(op => this.decide(session, op, resourceType, name))
  }

  /** Every stored binding the filter matches (DescribeAcls). */
  acls (filter: AclBindingFilter): AclBinding[] {
    return this.allBindings().filter(b => bindingFilterMatches(filter, b))
  }

  /**
   * Stores the bindings (CreateAcls), one result each in order: each resource's znode rewritten
   * with its new entries (conditionally on its version, retried on a race with another broker),
   * then a change notification for the other brokers.
   */
  async createAcls (bindings: readonly AclBinding[]): Promise<AclCreateResult[]> {
    return await this.serially(async () => {
      const results: AclCreateResult[] = bindings.map(b => {
        const reason = invalidBindingReason(b) ?? invalidZnodeNameReason(b.pattern.name)
        return reason === undefined ? { errorCode: ErrorCode.NONE, errorMessage: null } : { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: reason }
      })
      const byPattern = new Map<string, { pattern: ResourcePattern, entries: AccessControlEntry[], indexes: number[] }>()
      bindings.forEach((b, i) => {
        if (results[i]!.errorCode !== ErrorCode.NONE) return
        const key = patternKey(b.pattern)
        const group = byPattern.get(key) ?? { pattern: b.pattern, entries: [], indexes: [] }
        group.entries.push(b.entry)
        group.indexes.push(i)
        byPattern.set(key, group)
      })
      for (const { pattern, entries, indexes } of byPattern.values()) {
        try {
          await this.updateResource(pattern, current => dedupe([...current, ...entries]))
          this.log.info('ACLs added', { resource: auditResource(pattern), acls: entries.length })
        } catch (err) {
          this.log.error('storing ACLs failed', { resource: auditResource(pattern), error: (err as Error).message })
          for (const i of indexes) results[i] = { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: null }
        }
      }
      return results
    })
  }

  /** Removes every stored binding each filter matches (DeleteAcls), one result per filter. */
  async deleteAcls (filters: readonly AclBindingFilter[]): Promise<AclDeleteResult[]> {
    return await this.serially(async () => {
      const results: AclDeleteResult[] = filters.map(() => ({ errorCode: ErrorCode.NONE, errorMessage: null, deleted: [] }))
      const patterns = new Map<string, ResourcePattern>()
      for (const b of this.allBindings()) if (filters.some(f => bindingFilterMatches(f, b))) patterns.set(patternKey(b.pattern), b.pattern)
      for (const pattern of patterns.values()) {
        const deleted: Array<{ filter: number, binding: AclBinding }> = []
        try {
          await this.updateResource(pattern, current => {
            deleted.length = 0
            return current.filter(entry => {
              const binding = { pattern, entry }
              const hits = filters.flatMap((f, i) => bindingFilterMatches(f, binding) ? [i] : [])
              for (const i of hits) deleted.push({ filter: i, binding })
              return hits.length === 0
            })
          })
          for (const d of deleted) results[d.filter]!.deleted.push(d.binding)
          this.log.info('ACLs removed', { resource: auditResource(pattern), acls: new Set(deleted.map(d => d.binding)).size })
        } catch (err) {
          this.log.error('removing ACLs failed', { resource: auditResource(pattern), error: (err as Error).message })
          for (const [i, f] of filters.entries()) if (patternFilterMatches(f.pattern, pattern)) results[i] = { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: null, deleted: [] }
        }
      }
      return results
    })
  }

  private decide (session: Session, operation: AclOperation, resourceType: ResourceType, name: string): boolean {
    if (this.superUsers.has(session.principal)) return true
    const acls = this.matchingAcls(resourceType, name)
    if (acls.length === 0) return this.config.allowEveryoneIfNoAclFound
    if (acls.some(e => e.permissionType === AclPermissionType.DENY && this.entryApplies(e, session, [operation]))) return false
    const allowing = impliedBy[operation] ?? [operation]
    return acls.some(e => e.permissionType === AclPermissionType.ALLOW && this.entryApplies(e, session, allowing))
  }

  private entryApplies (e: AccessControlEntry, session: Session, operations: readonly AclOperation[]): boolean {
    return (e.principal === session.principal || e.principal === WILDCARD_PRINCIPAL) &&
      (e.operation === AclOperation.ALL || operations.includes(e.operation)) &&
      (e.host === session.host || e.host === WILDCARD_HOST)
  }

  private matchingAcls (resourceType: ResourceType, name: string): AccessControlEntry[] {
    const out: AccessControlEntry[] = []
    const exact = this.literal.get(literalKey(resourceType, name))
    if (exact !== undefined) out.push(...exact)
    if (name !== WILDCARD_RESOURCE) {
      const wildcard = this.literal.get(literalKey(resourceType, WILDCARD_RESOURCE))
      if (wildcard !== undefined) out.push(...wildcard)
    }
    const byPrefix = this.prefixed.get(resourceType)
    if (byPrefix !== undefined) {
      for (const length of this.prefixLengths.get(resourceType) ?? []) {
        if (length > name.length) break
        const entries = byPrefix.get(name.slice(0, length))
        if (entries !== undefined) out.push(...entries)
      }
    }
    return out
  }

  /** Kafka's logAuditMessage line: `Principal = User:alice is Denied Operation = Write from host = 127.0.0.1 on resource = Topic:LITERAL:t2 for request = Produce with resourceRefCount = 1`. */
  private logAudit (session: Session, operation: AclOperation, resourceType: ResourceType, name: string, allowed: boolean, audit: AuditContext): void {
    const level = allowed ? (audit.logIfAllowed ?? true ? 'debug' : undefined) : (audit.logIfDenied ?? true ? 'info' : undefined)
    if (level === undefined || !this.auditLog.isLevelEnabled(level)) return
    const resource = auditResource({ resourceType, name, patternType: PatternType.LITERAL })
    const operationText = camelName(operationName(operation))
    this.auditLog.log(level, `Principal = ${session.principal} is ${allowed ? 'Allowed' : 'Denied'} Operation = ${operationText} from host = ${session.host} on resource = ${resource} for request = ${audit.api} with resourceRefCount = 1`,
      { principal: session.principal, host: session.host, operation: operationText, resource, api: audit.api, authorized: allowed })
  }

  private allBindings (): AclBinding[] {
    const out: AclBinding[] = []
    for (const [key, entries] of this.literal) {
      const sep = key.indexOf('\u0000')
      const pattern: ResourcePattern = { resourceType: Number(key.slice(0, sep)) as ResourceType, name: key.slice(sep + 1), patternType: PatternType.LITERAL }
      for (const entry of entries) out.push({ pattern, entry })
    }
    for (const [resourceType, byName] of this.prefixed) {
      for (const [name, entries] of byName) for (const entry of entries) out.push({ pattern: { resourceType, name, patternType: PatternType.PREFIXED }, entry })
    }
    return out
  }

  private setCached (pattern: ResourcePattern, entries: AccessControlEntry[]): void {
    if (pattern.patternType === PatternType.LITERAL) {
      const key = literalKey(pattern.resourceType, pattern.name)
      if (entries.length === 0) this.literal.delete(key)
      else this.literal.set(key, entries)
      return
    }
    let byName = this.prefixed.get(pattern.resourceType)
    if (byName === undefined) this.prefixed.set(pattern.resourceType, byName = new Map())
    const had = byName.has(pattern.name)
    if (entries.length === 0) byName.delete(pattern.name)
    else byName.set(pattern.name, entries)
    if (had === (entries.length > 0)) return
    let counts = this.prefixLengthCounts.get(pattern.resourceType)
    if (counts === undefined) this.prefixLengthCounts.set(pattern.resourceType, counts = new Map())
    const count = (counts.get(pattern.name.length) ?? 0) + (had ? -1 : 1)
    if (count === 0) counts.delete(pattern.name.length)
    else counts.set(pattern.name.length, count)
    if (count === 0 || count === 1) this.prefixLengths.set(pattern.resourceType, [...counts.keys()].sort((a, b) => a - b))
  }

  private async serially<T> (work: () => Promise<T>): Promise<T> {
    const run = this.writes.then(work, work)
    this.writes = run.catch(() => undefined)
    return await run
  }

  /**
   * Kafka's updateResourceAcls: read the znode, compute its new entries, write them only if no
   * one wrote it meanwhile (retrying if someone did), delete it when none are left; then notify.
   */
  private async updateResource (pattern: ResourcePattern, change: (current: AccessControlEntry[]) => AccessControlEntry[]): Promise<void> {
    const path = resourcePath(pattern)
    for (;;) {
      const node = await this.zk.getData(path)
      const current = node === null ? [] : this.decodeEntries(path, node.data)
      const next = change(current)
      if (sameEntries(current, next)) {
        this.setCached(pattern, current)
        return
      }
      try {
        if (next.length === 0) await this.zk.remove(path, node!.version)
        else if (node === null) await this.zk.create(path, encodeEntries(next))
        else await this.zk.setData(path, encodeEntries(next), node.version)
      } catch (err) {
        if (err instanceof ZkError && (err.code === 'BAD_VERSION' || err.code === 'NODE_EXISTS' || err.code === 'NO_NODE')) {
          if (node === null && err.code === 'NO_NODE') await this.zk.mkdirp(path.slice(0, path.lastIndexOf('/')))
          continue
        }
        throw err
      }
      this.setCached(pattern, next)
      const type = resourceTypeName(pattern.resourceType)
      if (pattern.patternType === PatternType.LITERAL) await this.zk.create(`${aclChangeZnode.literalRoot}/${aclChangeZnode.prefix}`, aclChangeZnode.encodeLiteral(type, pattern.name), 'persistent_sequential')
      else await this.zk.create(`${aclChangeZnode.extendedRoot}/${aclChangeZnode.prefix}`, aclChangeZnode.encodeExtended(type, pattern.name, patternTypeName(pattern.patternType)), 'persistent_sequential')
      return
    }
  }

  private enqueue (work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((err: unknown) => {
      // A lost connection: read everything again shortly rather than miss a change for good.
      this.log.warn('reading ACLs failed; retrying', { error: (err as Error).message })
      if (!this.stopped) setTimeout(() => this.enqueue(async () => await this.loadAll()), 1000).unref()
    })
  }

  /** The notifications first (watched), then every ACL: a change after the listing fires the watch. */
  private async loadAll (): Promise<void> {
    if (this.stopped) return
    for (const listener of this.changes) await listener.catchUp()
    this.literal = new Map()
    this.prefixed = new Map()
    this.prefixLengths = new Map()
    this.prefixLengthCounts = new Map()
    let count = 0
    for (const prefixed of [false, true]) {
      const root = aclZnode.root(prefixed)
      for (const typeName of await this.zk.getChildren(root)) {
        const resourceType = parseCode(ResourceType, typeName)
        if (resourceType === undefined) continue
        for (const name of await this.zk.getChildren(`${root}/${typeName}`)) {
          const pattern: ResourcePattern = { resourceType, name, patternType: prefixed ? PatternType.PREFIXED : PatternType.LITERAL }
          const entries = await this.readResource(pattern)
          this.setCached(pattern, entries)
          count += entries.length
        }
      }
    }
    this.log.info('ACLs loaded', { acls: count })
  }

  /** One notification: the resource it names is read again. */
  private async onChange (root: string, data: Buffer, path: string): Promise<void> {
    let pattern: ResourcePattern | undefined
    try {
      if (root === aclChangeZnode.literalRoot) {
        const c = aclChangeZnode.decodeLiteral(data)
        const resourceType = parseCode(ResourceType, c.resourceType)
        if (resourceType !== undefined) pattern = { resourceType, name: c.name, patternType: PatternType.LITERAL }
      } else {
        const c = aclChangeZnode.decodeExtended(data)
        const resourceType = parseCode(ResourceType, c.resourceType)
        const patternType = parseCode(PatternType, c.patternType)
        if (resourceType !== undefined && patternType === PatternType.PREFIXED) pattern = { resourceType, name: c.name, patternType }
      }
    } catch {
      // not Kafka's notification format: nothing to act on
    }
    if (pattern === undefined) {
      this.log.warn('ignoring an ACL change notification that does not parse', { path })
      return
    }
    const entries = await this.readResource(pattern)
    this.setCached(pattern, entries)
    this.log.info('ACLs of a resource changed', { resource: auditResource(pattern), acls: entries.length })
  }

  private async readResource (pattern: ResourcePattern): Promise<AccessControlEntry[]> {
    const path = resourcePath(pattern)
    const node = await this.zk.getData(path)
    return node === null ? [] : this.decodeEntries(path, node.data)
  }

  private decodeEntries (path: string, data: Buffer): AccessControlEntry[] {
    let raw: ReturnType<typeof aclZnode.decode>
    try {
      raw = aclZnode.decode(data)
    } catch {
      this.log.error('ignoring ACLs that are not Kafka\'s JSON', { path })
      return []
    }
    const entries: AccessControlEntry[] = []
    for (const a of raw) {
      const operation = typeof a.operation === 'string' ? parseCode(AclOperation, a.operation) : undefined
      const permissionType = typeof a.permissionType === 'string' ? parseCode(AclPermissionType, a.permissionType) : undefined
      if (operation === undefined || permissionType === undefined || typeof a.principal !== 'string' || typeof a.host !== 'string') {
        this.log.error('ignoring an ACL that does not parse', { path, acl: a })
        continue
      }
      entries.push({ principal: a.principal, host: a.host, operation, permissionType })
    }
    return entries
  }
}

function literalKey (resourceType: ResourceType, name: string): string {
  return `${resourceType}\u0000${name}`
}

function patternKey (p: ResourcePattern): string {
  return `${p.patternType}\u0000${p.resourceType}\u0000${p.name}`
}

function resourcePath (p: ResourcePattern): string {
  return aclZnode.path(p.patternType === PatternType.PREFIXED, camelName(resourceTypeName(p.resourceType)), p.name)
}

/** Kafka's audit form of a resource: `Topic:LITERAL:t1`. */
function auditResource (p: ResourcePattern): string {
  return `${camelName(resourceTypeName(p.resourceType))}:${patternTypeName(p.patternType)}:${p.name}`
}

function entryKey (e: AccessControlEntry): string {
  return `${e.principal}\u0000${e.host}\u0000${e.operation}\u0000${e.permissionType}`
}

function dedupe (entries: AccessControlEntry[]): AccessControlEntry[] {
  const seen = new Map<string, AccessControlEntry>()
  for (const e of entries) if (!seen.has(entryKey(e))) seen.set(entryKey(e), e)
  return [...seen.values()]
}

function sameEntries (a: readonly AccessControlEntry[], b: readonly AccessControlEntry[]): boolean {
  return a.length === b.length && a.every((e, i) => entryKey(e) === entryKey(b[i]!))
}

function encodeEntries (entries: readonly AccessControlEntry[]): Buffer {
  return aclZnode.encode(entries.map(e => ({
    principal: e.principal,
    permissionType: camelName(permissionTypeName(e.permissionType)),
    operation: camelName(operationName(e.operation)),
    host: e.host,
  })))
}

/**
 * Why a resource name cannot be a znode's name (ZooKeeper's PathUtils.validatePath), or undefined.
 * Kafka writes the name into the path as it is; a `/` there would nest znodes that no broker reads.
 */
function invalidZnodeNameReason (name: string): string | undefined {
  if (name === '.' || name === '..') return `Invalid resource name ${name}`
  if (/[/\u0000-\u001f\u007f-\u009f\ud800-\uf8ff\ufff0-\uffff]/.test(name)) return 'A resource name stored in ZooKeeper may not contain / or control characters'
  if (Buffer.byteLength(name) > MAX_RESOURCE_NAME_BYTES) return `A resource name may not exceed ${MAX_RESOURCE_NAME_BYTES} bytes`
  return undefined
}

