/**
 * The dashboard the gateway serves (docs/dashboard.md): the page at `/`, a JSON API under
 * `/api/v1`, and `watch` ops on the gateway's WebSocket (DashboardWatches). The gateway's auth
 * applies to all of it: with tokens configured, a request carries `Authorization: Bearer <token>`
 * or the session cookie a browser gets by opening `/?token=` or `/?ticket=` once.
 */
import { isUtf8 } from 'node:buffer'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCode, errorName, isRetriable } from '../protocol/error-codes.js'
import { AlterConfigOp, type ConfigChange } from '../client/admin.js'
import type { Logger } from '../logger.js'
import type { GatewayAuth } from '../gateway/gateway-auth.js'
import type { GatewayConfig } from '../gateway/gateway-config.js'
import { KafkaError, UsageError } from '../errors.js'
import { AclOperation, CLUSTER_NAME, ResourceType } from '../security/acl-binding.js'
import { hostAddress } from '../server/auth-helper.js'
import type { Access, GatewayAuthorizer } from '../gateway/gateway-authorizer.js'
import type { SharedFetch } from '../gateway/shared-fetch.js'
import { planOffsetReset, RESET_SPECS, type ResetRequest, type ResetSpec } from '../cli/offset-reset-plan.js'
import { ClusterView } from './cluster-view.js'
import { ConsumerGroupsView } from './consumer-groups-view.js'
import { clusterDocument, groupDocument, groupsDocument, timelineDocument, topicDocument, topicsDocument } from './documents.js'
import { DashboardWatches, parsePageQuery, parseTopicsQuery, visibilityOf } from './dashboard-watches.js'
import { aclToJson, exactFilter, firstFailure, parseAcl, parseAclQuery, parseScramUpsertion, sortAcls } from './security-api.js'
import { MAX_EVENTS } from './cluster-timeline.js'
import { RESOLUTIONS, type Resolution } from './metrics-history.js'
import { parseSearch, searchRecords } from './record-search.js'
import { WebAssets } from './web-assets.js'

const MAX_BODY_BYTES = 65_536
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/

/** Kafka's error, as an HTTP answer: the status a REST client expects, the code and name a Kafka user knows. */
class ApiError extends Error {
  constructor (readonly status: number, readonly code: number, message: string) { super(message) }
}

const STATUS_OF: Partial<Record<number, number>> = {
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

export class Dashboard {
  readonly view: ClusterView
  readonly groups: ConsumerGroupsView
  readonly watches: DashboardWatches
  private readonly assets = new WebAssets()
  private readonly readOnly: boolean

  constructor (config: GatewayConfig, private readonly auth: GatewayAuth, private readonly authorizer: GatewayAuthorizer, private readonly fetch: SharedFetch, private readonly log: Logger) {
    const v = config.values
    this.readOnly = v['gateway.read.only']
    this.view = new ClusterView({
      clientProps: config.admin,
      zookeeperConnect: v['zookeeper.connect'],
      brokerMetricsUrls: config.brokerMetricsUrls,
      log,
    })
    this.groups = new ConsumerGroupsView({
      consumerProps: config.consumer,
      fetch,
      history: this.view.history,
      timeline: this.view.timeline,
      partitionCount: topic => this.partitionCount(topic),
      log,
    })
    this.watches = new DashboardWatches(this.view, this.groups, this.readOnly, v['gateway.socket.high.water.bytes'])
    if (!this.assets.built) log.warn('the dashboard is not built (dist/web/index.html is missing): run npm run build')
  }

  start (): void {
    this.view.start()
    this.groups.start()
  }

  async stop (): Promise<void> {
    this.watches.close()
    await Promise.all([this.view.stop(), this.groups.stop()])
  }

  private partitionCount (topic: string): number {
    return this.view.topics.get(topic)?.partitions.length ?? 0
  }

  /** Answers the page, its assets and /api/v1; false for any other path (the gateway's own). */
  async serve (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname
    const api = path === '/api/v1' || path.startsWith('/api/v1/')
    const page = !api && (req.method === 'GET' || req.method === 'HEAD') && (path === '/' || /^\/[\w.-]+\.(js|css|map)$/.test(path))
    if (!api && !page) return false
    if (page && path === '/' && this.auth.required && (url.searchParams.has('token') || url.searchParams.has('ticket'))) {
      this.login(res, url)
      return true
    }
    const principal = this.auth.requestPrincipal(req)
    if (principal === undefined) {
      if (api) json(res, 401, { code: ErrorCode.SASL_AUTHENTICATION_FAILED, name: errorName(ErrorCode.SASL_AUTHENTICATION_FAILED), retriable: false, message: 'send Authorization: Bearer <token>' }, { 'www-authenticate': 'Bearer' })
      else text(res, 401, 'This gateway needs a token: open /?token=<token> once (or /?ticket=<ticket> from POST /api/ws-ticket); the browser keeps a session cookie.', 'text/plain')
      return true
    }
    if (page) {
      if (!this.assets.serve(req, res, path)) text(res, path === '/' ? 503 : 404, path === '/' ? 'The dashboard is not built: run npm run build.' : 'not found', 'text/plain')
      return true
    }
    try {
      await this.api(req, res, url, this.authorizer.access(principal, hostAddress(req.socket.remoteAddress)))
    } catch (err) {
      if (err instanceof ApiError || err instanceof KafkaError) {
        const status = err instanceof ApiError ? err.status : STATUS_OF[err.code] ?? 500
        json(res, status, { code: err.code, name: errorName(err.code), retriable: isRetriable(err.code), message: err.message })
        return true
      }
      this.log.error('dashboard API request failed', { path, error: (err as Error).stack ?? String(err) })
      json(res, 500, { code: -1, name: 'UNKNOWN_SERVER_ERROR', retriable: false, message: (err as Error).message })
    }
    return true
  }

  /** A token or ticket in the URL becomes a session cookie, and the URL loses it (no token in history or logs). */
  private login (res: ServerResponse, url: URL): void {
    const token = url.searchParams.get('token')
    const ticket = url.searchParams.get('ticket')
    const principal = token !== null ? this.auth.principalOf(token) : ticket !== null ? this.auth.redeemTicket(ticket) : undefined
    if (principal === undefined) return text(res, 401, 'The token or ticket is not valid.', 'text/plain')
    res.writeHead(303, { location: '/', 'set-cookie': this.auth.issueSessionCookie(principal), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' })
    res.end()
  }

  /**
   * Each request is checked as the brokers check the requests it stands for (docs/dashboard.md):
   * lists leave out what the principal may not Describe, a refusal is 403 with Kafka's code.
   */
  private async api (req: IncomingMessage, res: ServerResponse, url: URL, access: Access): Promise<void> {
    const parts = url.pathname.split('/').slice(3).map(decodeURIComponent)
    const method = req.method ?? 'GET'
    const [resource, name, sub] = parts
    const sees = visibilityOf(access)
    if (resource === undefined || resource === '') {
      return json(res, 200, { service: 'kafka-gateway', websocket: '/ws', subprotocol: 'kafka.v1', api: ['cluster', 'brokers', 'brokers/<id>', 'topics', 'topics/<name>', 'topics/<name>/records', 'topics/<name>/partitions', 'topics/<name>/configs', 'groups', 'groups/<id>', 'groups/<id>/reset-offsets', 'timeline', 'zookeeper?path=', 'history', 'whoami', 'acls', 'users', 'users/<name>'], docs: 'docs/dashboard.md' })
    }
    if (resource === 'whoami' && name === undefined && method === 'GET') {
      const may = (operation: AclOperation): boolean => access.authorize(operation, ResourceType.CLUSTER, CLUSTER_NAME, 'dashboard whoami', true)
      return json(res, 200, { principal: access.principal, authorization: access.enforced, readOnly: this.readOnly, describeCluster: may(AclOperation.DESCRIBE), alterCluster: may(AclOperation.ALTER) })
    }
    if (resource === 'acls' || resource === 'users') return await this.security(req, res, url, access, resource, name)
    if (resource === 'cluster' && name === undefined && method === 'GET') return json(res, 200, clusterDocument(this.view, this.readOnly))
    if (resource === 'brokers' && method === 'GET') {
      const brokers = clusterDocument(this.view, this.readOnly)['brokers'] as Record<string, object>
      if (name === undefined) return json(res, 200, { brokers })
      const broker = brokers[name]
      if (broker === undefined || sub !== undefined) throw new ApiError(404, ErrorCode.BROKER_NOT_AVAILABLE, `no broker ${name}`)
      const mayDescribeConfigs = access.authorize(AclOperation.DESCRIBE_CONFIGS, ResourceType.CLUSTER, CLUSTER_NAME, 'dashboard broker configs', true)
      const configs = this.view.isLive(Number(name)) && mayDescribeConfigs ? await this.view.describeConfigs('broker', name) : undefined
      return json(res, 200, { ...broker, ...(configs !== undefined ? { configs: configs.entries } : {}) })
    }
    if (resource === 'topics') {
      if (name === undefined && method === 'GET') {
        const query = parseTopicsQuery(k => url.searchParams.get(k) ?? undefined)
        if ('problem' in query) throw new ApiError(400, ErrorCode.INVALID_REQUEST, query.problem)
        return json(res, 200, topicsDocument(this.view, query, this.groups, sees))
      }
      if (name === undefined && method === 'POST') return await this.createTopic(req, res, access)
      if (name !== undefined && sub === undefined && method === 'GET') {
        access.ensure(AclOperation.DESCRIBE, ResourceType.TOPIC, name, 'dashboard topic')
        const { ready, release } = this.view.acquireTopic(name)
        try {
          await ready
          const doc = topicDocument(this.view, name)
          if (doc['exists'] !== true) throw new ApiError(404, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `no topic ${name}`)
          const mayDescribeConfigs = access.authorize(AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, name, 'dashboard topic configs', true)
          const configs = mayDescribeConfigs ? await this.view.describeConfigs('topic', name) : undefined
          return json(res, 200, { ...doc, configs: configs?.entries ?? [] })
        } finally {
          release()
        }
      }
      if (name !== undefined && sub === undefined && method === 'DELETE') {
        this.checkWrite(req, `topic ${name} cannot be deleted`)
        access.ensure(AclOperation.DELETE, ResourceType.TOPIC, name, 'dashboard delete topic')
        const result = await this.view.deleteTopic(name)
        if (result.errorCode !== ErrorCode.NONE) throw new ApiError(STATUS_OF[result.errorCode] ?? 400, result.errorCode, result.errorMessage ?? errorName(result.errorCode))
        return json(res, 200, { name, deleted: true })
      }
    }
    if (resource === 'topics' && name !== undefined && sub === 'partitions' && method === 'POST') return await this.createPartitions(req, res, name, access)
    if (resource === 'topics' && name !== undefined && sub === 'configs' && method === 'POST') return await this.alterConfigs(req, res, name, access)
    if (resource === 'topics' && name !== undefined && sub === 'records' && method === 'POST') {
      const request = parseSearch(name, await readJson(req))
      if ('problem' in request) throw new ApiError(400, ErrorCode.INVALID_REQUEST, request.problem)
      access.ensure(AclOperation.READ, ResourceType.TOPIC, name, 'dashboard search')
      if (!this.view.topics.has(name)) throw new ApiError(404, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `no topic ${name}`)
      return json(res, 200, await searchRecords({ fetch: this.fetch, partitionCount: t => this.partitionCount(t), offsetsAt: async (tps, ts) => await this.view.offsetsAt(tps, ts) }, request))
    }
    if (resource === 'groups' && method === 'GET') {
      if (name === undefined) {
        const query = parsePageQuery(k => url.searchParams.get(k) ?? undefined)
        if ('problem' in query) throw new ApiError(400, ErrorCode.INVALID_REQUEST, query.problem)
        return json(res, 200, groupsDocument(this.groups, query, sees))
      }
      access.ensure(AclOperation.DESCRIBE, ResourceType.GROUP, name, 'dashboard group')
      const doc = groupDocument(this.groups, this.view.history, name, sees)
      if (doc['exists'] !== true || sub !== undefined) throw new ApiError(404, ErrorCode.GROUP_ID_NOT_FOUND, `no group ${name}`)
      return json(res, 200, doc)
    }
    if (resource === 'groups' && name !== undefined && sub === 'reset-offsets' && method === 'POST') return await this.resetOffsets(req, res, name, access)
    if (resource === 'timeline' && name === undefined && method === 'GET') return json(res, 200, timelineDocument(this.view.timeline, MAX_EVENTS, sees))
    if (resource === 'zookeeper' && name === undefined && method === 'GET') {
      // ours: the tree shows every topic, group and ACL, so it takes Describe on the cluster
      access.ensure(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME, 'dashboard zookeeper')
      return await this.znode(res, url.searchParams.get('path') ?? '/')
    }
    if (resource === 'history' && name === undefined && method === 'GET') return this.history(res, url, id => sees.group(id))
    throw new ApiError(404, ErrorCode.INVALID_REQUEST, `no ${method} ${url.pathname} here`)
  }

  private async createTopic (req: IncomingMessage, res: ServerResponse, access: Access): Promise<void> {
    this.checkWrite(req, 'topics cannot be created')
    const body = await readJson(req)
    const name = body['name']
    if (typeof name !== 'string' || !TOPIC_NAME.test(name) || name === '.' || name === '..') {
      throw new ApiError(400, ErrorCode.INVALID_TOPIC_EXCEPTION, '"name" must be 1 to 249 of a-z A-Z 0-9 . _ - (and not . or ..)')
    }
    // CreateTopics: Create on the cluster, or on the topic
    if (!access.authorize(AclOperation.CREATE, ResourceType.CLUSTER, CLUSTER_NAME, 'dashboard create topic', true)) access.ensure(AclOperation.CREATE, ResourceType.TOPIC, name, 'dashboard create topic')
    const int = (key: string): number => {
      const v = body[key] ?? -1
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < -1 || v === 0 || v > 2 ** 31 - 1) throw new ApiError(400, ErrorCode.INVALID_REQUEST, `"${key}" must be a positive integer (or -1 for the broker's default)`)
      return v
    }
    const partitions = int('partitions')
    const replicationFactor = int('replicationFactor')
    const configs = body['configs'] ?? {}
    if (configs === null || typeof configs !== 'object' || Array.isArray(configs) || Object.values(configs).some(v => typeof v !== 'string')) {
      throw new ApiError(400, ErrorCode.INVALID_CONFIG, '"configs" must be an object of string values')
    }
    const result = await this.view.createTopic(name, partitions, replicationFactor, configs as Record<string, string>)
    if (result.errorCode !== ErrorCode.NONE) throw new ApiError(STATUS_OF[result.errorCode] ?? 400, result.errorCode, result.errorMessage ?? errorName(result.errorCode))
    json(res, 201, { name, partitions, replicationFactor })
  }

  /** kafka-topics --alter --partitions: CreatePartitions to the new total (never fewer, as Kafka). */
  private async createPartitions (req: IncomingMessage, res: ServerResponse, name: string, access: Access): Promise<void> {
    this.checkWrite(req, `partitions cannot be added to topic ${name}`)
    // as the broker's CreatePartitions: Alter on the topic
    access.ensure(AclOperation.ALTER, ResourceType.TOPIC, name, 'dashboard add partitions')
    const count = (await readJson(req))['count']
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1 || count > 2 ** 31 - 1) throw new ApiError(400, ErrorCode.INVALID_PARTITIONS, '"count" must be the new number of partitions')
    const result = await this.view.createPartitions(name, count)
    if (result.errorCode !== ErrorCode.NONE) throw new ApiError(STATUS_OF[result.errorCode] ?? 400, result.errorCode, result.errorMessage ?? errorName(result.errorCode))
    json(res, 200, { name, partitions: count })
  }

  /**
   * kafka-configs --alter --add-config / --delete-config on a topic (IncrementalAlterConfigs SET and
   * DELETE; a deleted key falls back to the broker's value); answers the topic's configs after it.
   */
  private async alterConfigs (req: IncomingMessage, res: ServerResponse, name: string, access: Access): Promise<void> {
    this.checkWrite(req, `the configs of topic ${name} cannot be changed`)
    // as the broker's IncrementalAlterConfigs: AlterConfigs on the topic
    access.ensure(AclOperation.ALTER_CONFIGS, ResourceType.TOPIC, name, 'dashboard alter topic configs')
    const body = await readJson(req)
    const set = body['set'] ?? {}
    const del = body['delete'] ?? []
    if (set === null || typeof set !== 'object' || Array.isArray(set) || Object.values(set).some(v => typeof v !== 'string')) throw new ApiError(400, ErrorCode.INVALID_CONFIG, '"set" must be an object of string values')
    if (!Array.isArray(del) || del.some(k => typeof k !== 'string')) throw new ApiError(400, ErrorCode.INVALID_CONFIG, '"delete" must be a list of config names')
    const changes: ConfigChange[] = [
      ...Object.entries(set as Record<string, string>).map(([key, value]) => ({ name: key, op: AlterConfigOp.SET, value })),
      ...(del as string[]).map(key => ({ name: key, op: AlterConfigOp.DELETE, value: null })),
    ]
    if (changes.length === 0) throw new ApiError(400, ErrorCode.INVALID_CONFIG, 'nothing to change: give "set" or "delete"')
    const result = await this.view.alterTopicConfigs(name, changes)
    if (result.errorCode !== ErrorCode.NONE) throw new ApiError(STATUS_OF[result.errorCode] ?? 400, result.errorCode, result.errorMessage ?? errorName(result.errorCode))
    const configs = await this.view.describeConfigs('topic', name)
    json(res, 200, { name, configs: configs?.entries ?? [] })
  }

  /**
   * kafka-consumer-groups --reset-offsets (src/cli/offset-reset-plan.ts): the plan, and with
   * `execute` the commit of it. As the tool, refused while the group has members; and
   * `execute` is refused by a read-only gateway (a dry run changes nothing).
   */
  private async resetOffsets (req: IncomingMessage, res: ServerResponse, groupId: string, access: Access): Promise<void> {
    const body = await readJson(req)
    const execute = body['execute'] === true
    if (execute) this.checkWrite(req, `the offsets of group ${groupId} cannot be reset`, ErrorCode.GROUP_AUTHORIZATION_FAILED)
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
    const admin = this.groups.admin
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

  /**
   * ACLs and SCRAM users (security-api.ts): listed with Describe on the cluster, changed with Alter
   * on it (what DescribeAcls / CreateAcls / DeleteAcls and the SCRAM APIs take), never by a
   * read-only gateway.
   */
  private async security (req: IncomingMessage, res: ServerResponse, url: URL, access: Access, resource: 'acls' | 'users', name: string | undefined): Promise<void> {
    const method = req.method ?? 'GET'
    const admin = this.view.admin
    const api = `dashboard ${resource}`
    const change = (what: string): void => {
      this.checkWrite(req, what, ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
      access.ensure(AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_NAME, api)
    }
    const fail = (results: ReadonlyArray<{ errorCode: number, errorMessage: string | null }>): void => {
      const failed = firstFailure(results)
      if (failed !== undefined) throw new ApiError(STATUS_OF[failed.errorCode] ?? 400, failed.errorCode, failed.errorMessage ?? errorName(failed.errorCode))
    }
    if (resource === 'acls' && name === undefined) {
      if (method === 'GET') {
        access.ensure(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME, api)
        const filter = parseAclQuery(k => url.searchParams.get(k) ?? undefined)
        if ('problem' in filter) throw new ApiError(400, ErrorCode.INVALID_REQUEST, filter.problem)
        return json(res, 200, { acls: sortAcls((await admin.describeAcls(filter, { timeoutMs: 10_000 })).map(aclToJson)) })
      }
      if (method === 'POST' || method === 'DELETE') {
        change(method === 'POST' ? 'ACLs cannot be added' : 'ACLs cannot be removed')
        const binding = parseAcl(await readJson(req))
        if ('problem' in binding) throw new ApiError(400, ErrorCode.INVALID_REQUEST, binding.problem)
        if (method === 'POST') {
          fail(await admin.createAcls([binding], { timeoutMs: 10_000 }))
          return json(res, 201, { acl: aclToJson(binding) })
        }
        const [result] = await admin.deleteAcls([exactFilter(binding)], { timeoutMs: 10_000 })
        fail(result === undefined ? [] : [result])
        return json(res, 200, { deleted: (result?.deleted ?? []).map(aclToJson) })
      }
    }
    if (resource === 'users') {
      if (method === 'GET' && name === undefined) {
        access.ensure(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME, api)
        const users = await admin.describeUserScramCredentials(null, { timeoutMs: 10_000 })
        fail(users.filter(u => u.errorCode !== ErrorCode.RESOURCE_NOT_FOUND))
        return json(res, 200, { users: users.map(u => ({ user: u.user, credentials: u.credentials })).sort((a, b) => a.user < b.user ? -1 : a.user > b.user ? 1 : 0) })
      }
      if (method === 'POST' && name === undefined) {
        change('users cannot be added')
        const upsertion = parseScramUpsertion(await readJson(req))
        if ('problem' in upsertion) throw new ApiError(400, ErrorCode.INVALID_REQUEST, upsertion.problem)
        fail(await admin.alterUserScramCredentials([upsertion], { timeoutMs: 10_000 }))
        return json(res, 201, { user: upsertion.user, mechanism: upsertion.mechanism, iterations: upsertion.iterations })
      }
      if (method === 'DELETE' && name !== undefined) {
        change(`user ${name} cannot be deleted`)
        const asked = url.searchParams.get('mechanism')
        const [described] = await admin.describeUserScramCredentials([name], { timeoutMs: 10_000 })
        const mechanisms = asked !== null ? [asked] : described?.credentials.map(c => c.mechanism) ?? []
        if (mechanisms.length === 0) throw new ApiError(404, ErrorCode.RESOURCE_NOT_FOUND, `Attempt to delete a user credential that does not exist: ${name}`)
        fail(await admin.alterUserScramCredentials(mechanisms.map(mechanism => ({ user: name, mechanism })), { timeoutMs: 10_000 }))
        return json(res, 200, { user: name, deleted: mechanisms })
      }
    }
    throw new ApiError(404, ErrorCode.INVALID_REQUEST, `no ${method} ${url.pathname} here`)
  }

  /** One znode of the cluster's ZooKeeper (below its chroot), read-only. */
  private async znode (res: ServerResponse, path: string): Promise<void> {
    if (!/^\/([^/\u0000]+(\/[^/\u0000]+)*)?$/.test(path) || path.length > 1024) throw new ApiError(400, ErrorCode.INVALID_REQUEST, '"path" must be an absolute znode path such as /brokers/ids')
    const node = await this.view.readZnode(path)
    if (node === undefined) throw new ApiError(404, ErrorCode.INVALID_REQUEST, 'this gateway has no zookeeper.connect (or is not connected)')
    if (node === null) throw new ApiError(404, ErrorCode.INVALID_REQUEST, `no znode ${path}`)
    const text = isUtf8(node.data) ? node.data.toString('utf8') : undefined
    json(res, 200, { path, stat: node.stat, children: node.children, ...(text !== undefined ? { data: text } : { dataBase64: node.data.toString('base64') }) })
  }

  /** Read-only refuses; a change must come from an allowed Origin (a cookie would otherwise let another site's page act). */
  private checkWrite (req: IncomingMessage, what: string, code: number = ErrorCode.TOPIC_AUTHORIZATION_FAILED): void {
    if (this.readOnly) throw new ApiError(403, code, `${what}: gateway.read.only is set`)
    if (!this.auth.originAllowed(req)) throw new ApiError(403, code, `${what}: origin ${req.headers.origin ?? ''} is not allowed`)
  }

  /** `mayDescribeGroup`: a group's lag series is the group's, shown to whoever may Describe it. */
  private history (res: ServerResponse, url: URL, mayDescribeGroup: (id: string) => boolean): void {
    const resolution = url.searchParams.get('resolution') ?? '1s'
    if (!RESOLUTIONS.some(r => r.name === resolution)) throw new ApiError(400, ErrorCode.INVALID_REQUEST, '"resolution" must be 1s or 1m')
    const wanted = url.searchParams.get('series')?.split(',') ?? ['messagesIn', 'bytesIn', 'bytesOut']
    const now = Date.now()
    const series: Record<string, object> = {}
    for (const name of wanted.slice(0, 100)) {
      const group = /^group\.(.*)\.lag$/.exec(name)?.[1]
      if (group !== undefined && !mayDescribeGroup(group)) continue
      const r = this.view.history.range(name, resolution as Resolution['name'], now)
      if (r !== undefined) series[name] = r
    }
    json(res, 200, { resolution, series })
  }
}

async function readJson (req: IncomingMessage): Promise<Record<string, unknown>> {
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

function json (res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers })
  res.end(JSON.stringify(body))
}

function text (res: ServerResponse, status: number, body: string, type: string): void {
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' })
  res.end(body)
}
