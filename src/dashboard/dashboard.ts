/**
 * The dashboard the gateway serves (docs/dashboard.md): the page at `/`, a JSON API under
 * `/api/v1`, and `watch` ops on the gateway's WebSocket (DashboardWatches). The gateway's auth
 * applies to all of it: with tokens configured, a request carries `Authorization: Bearer <token>`
 * or the session cookie a browser gets by opening `/?token=` or `/?ticket=` once.
 */
import { isUtf8 } from 'node:buffer'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCode, errorName, isRetriable } from '../protocol/error-codes.js'
import type { Logger } from '../logger.js'
import type { GatewayAuth } from '../gateway/gateway-auth.js'
import type { GatewayConfig } from '../gateway/gateway-config.js'
import { KafkaError } from '../errors.js'
import { AclOperation, CLUSTER_NAME, ResourceType } from '../security/acl-binding.js'
import { hostAddress } from '../server/auth-helper.js'
import type { Access, GatewayAuthorizer } from '../gateway/gateway-authorizer.js'
import type { SharedFetch } from '../gateway/shared-fetch.js'
import { ClusterView } from './cluster-view.js'
import { parseTopicSeries } from './cluster-throughput.js'
import { ConsumerGroupsView } from './consumer-groups-view.js'
import { ApiError, json, readJson, STATUS_OF, text, type ApiContext } from './dashboard-http.js'
import { clusterDocument, groupDocument, groupsDocument, timelineDocument, topicDocument, topicsDocument, type Visibility } from './documents.js'
import { DashboardWatches, parsePageQuery, parseTopicsQuery, visibilityOf } from './dashboard-watches.js'
import { MAX_EVENTS } from './cluster-timeline.js'
import { HISTORY_RANGES, RESOLUTIONS, type HistoryRange, type Resolution } from './metrics-history.js'
import { resetOffsets } from './offset-reset-api.js'
import { parseSearch, searchRecords } from './record-search.js'
import { securityApi } from './security-api.js'
import { alterConfigs, createPartitions, createTopic, deleteTopic } from './topic-admin-api.js'
import { WebAssets } from './web-assets.js'

/** At most this many series per history request. */
const MAX_HISTORY_SERIES = 100

export class Dashboard {
  readonly view: ClusterView
  readonly groups: ConsumerGroupsView
  readonly watches: DashboardWatches
  private readonly assets = new WebAssets()
  private readonly readOnly: boolean
  private readonly ctx: ApiContext

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
      history: this.view.throughput.history,
      timeline: this.view.timeline,
      partitionCount: topic => this.partitionCount(topic),
      log,
    })
    this.watches = new DashboardWatches(this.view, this.groups, this.readOnly, v['gateway.socket.high.water.bytes'])
    this.ctx = { view: this.view, groups: this.groups, checkWrite: (req, what, code) => this.checkWrite(req, what, code) }
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
    if (resource === 'acls' || resource === 'users') return await securityApi(this.ctx, req, res, url, access, resource, name)
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
      if (name === undefined && method === 'POST') return await createTopic(this.ctx, req, res, access)
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
      if (name !== undefined && sub === undefined && method === 'DELETE') return await deleteTopic(this.ctx, req, res, name, access)
    }
    if (resource === 'topics' && name !== undefined && sub === 'partitions' && method === 'POST') return await createPartitions(this.ctx, req, res, name, access)
    if (resource === 'topics' && name !== undefined && sub === 'configs' && method === 'POST') return await alterConfigs(this.ctx, req, res, name, access)
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
      const doc = groupDocument(this.groups, this.view.throughput.history, name, sees)
      if (doc['exists'] !== true || sub !== undefined) throw new ApiError(404, ErrorCode.GROUP_ID_NOT_FOUND, `no group ${name}`)
      return json(res, 200, doc)
    }
    if (resource === 'groups' && name !== undefined && sub === 'reset-offsets' && method === 'POST') return await resetOffsets(this.ctx, req, res, name, access)
    if (resource === 'timeline' && name === undefined && method === 'GET') return json(res, 200, timelineDocument(this.view.timeline, MAX_EVENTS, sees))
    if (resource === 'zookeeper' && name === undefined && method === 'GET') {
      // ours: the tree shows every topic, group and ACL, so it takes Describe on the cluster
      access.ensure(AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME, 'dashboard zookeeper')
      return await this.znode(res, url.searchParams.get('path') ?? '/')
    }
    if (resource === 'history' && name === undefined && method === 'GET') return this.history(res, url, sees)
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

  /**
   * Series of the history rings: `range` (5m, 1h, 24h; bucketed means, HISTORY_RANGES) or a whole
   * ring at `resolution` (1s, 1m). A group's lag series is the group's and a topic's rates the
   * topic's, shown to whoever may Describe it.
   */
  private history (res: ServerResponse, url: URL, sees: Visibility): void {
    const range = url.searchParams.get('range')
    const resolution = url.searchParams.get('resolution') ?? '1s'
    if (range !== null && !(range in HISTORY_RANGES)) throw new ApiError(400, ErrorCode.INVALID_REQUEST, `"range" must be one of ${Object.keys(HISTORY_RANGES).join(', ')}`)
    if (range === null && !RESOLUTIONS.some(r => r.name === resolution)) throw new ApiError(400, ErrorCode.INVALID_REQUEST, '"resolution" must be 1s or 1m')
    const wanted = url.searchParams.get('series')?.split(',') ?? ['messagesIn', 'bytesIn', 'bytesOut']
    const now = Date.now()
    const history = this.view.throughput.history
    const series: Record<string, object> = {}
    for (const name of wanted.slice(0, MAX_HISTORY_SERIES)) {
      const group = /^group\.(.*)\.lag$/.exec(name)?.[1]
      if (group !== undefined && !sees.group(group)) continue
      const topic = parseTopicSeries(name)?.topic
      if (topic !== undefined && !sees.topic(topic)) continue
      const r = range !== null ? history.rangeOver(name, range as HistoryRange, now) : history.range(name, resolution as Resolution['name'], now)
      if (r !== undefined) series[name] = r
    }
    json(res, 200, range !== null ? { range, series } : { resolution, series })
  }
}

