/**
 * The gateway's keys, checked by the same rules as the broker's (src/config/schema.ts): every bad
 * or unknown key named, the process exits 1. Client-side names follow Kafka's (bootstrap.servers,
 * zookeeper.connect); the gateway's own keys share the `gateway.` prefix; `producer.<key>` and
 * `consumer.<key>` set the gateway's own clients, as a Kafka Connect worker's do, and so do the
 * clients' security keys at the top level (`security.protocol`, `sasl.*`, `ssl.*`), which apply
 * to every client the gateway has (producers, consumers, the dashboard's admin), as a Connect
 * worker's apply to its internal clients.
 */
import { isIP } from 'node:net'
import { parseHttpListener, type HttpListener } from '../config/http-listener.js'
import { validateConfig, type ConfigSchema, type ConfigValues } from '../config/schema.js'
import { commonClientSchema, consumerSchema, producerSchema, type ClientProperties } from '../client/client-config.js'

export const gatewayConfigSchema = {
  'bootstrap.servers': { type: 'list', default: ['127.0.0.1:9092'] },
  'zookeeper.connect': { type: 'string', default: null, doc: 'read only for what the Kafka protocol cannot say: the dashboard\'s live brokers, controller epoch and ensemble view' },
  'gateway.listener': { type: 'string', default: 'http://127.0.0.1:8080' },
  'gateway.auth.tokens': { type: 'list', default: [], doc: 'bearer tokens; none means no auth, which only a loopback listener allows' },
  'gateway.auth.token.file': { type: 'string', default: null, doc: 'more tokens, one per line: `<token>` or `<token> <principal>`' },
  'gateway.auth.principals': { type: 'list', default: [], doc: 'tokens that act as a Kafka principal, each `<token> <principal>` (e.g. `s3cret-token-of-alice User:alice`): with any, every operation is checked against the cluster\'s ACLs (docs/gateway.md)' },
  // The AclAuthorizer keys the brokers have (static broker configs, in no znode): the gateway decides as they do only if they match
  'super.users': { type: 'string', default: null, doc: 'with gateway.auth.principals: the brokers\' super.users, principals allowed everything (User:admin;User:broker)' },
  'allow.everyone.if.no.acl.found': { type: 'boolean', default: false, doc: 'with gateway.auth.principals: the brokers\' value' },
  'gateway.auth.ticket.ttl.ms': { type: 'int', default: 30_000, min: 1000, doc: 'how long a POST /api/ws-ticket ticket may wait for its upgrade' },
  'gateway.allowed.origins': { type: 'list', default: [], doc: 'Origin values a browser may connect from; * for any. Empty: the listener\'s own origin only' },
  'gateway.read.only': { type: 'boolean', default: false },
  'gateway.max.frame.bytes': { type: 'int', default: 1_048_576, min: 1024, doc: 'a bigger frame closes the socket with 1009' },
  'gateway.max.batch.records': { type: 'int', default: 10_000, min: 1 },
  'gateway.max.subscriptions.per.socket': { type: 'int', default: 100, min: 1 },
  'gateway.max.inflight.records.per.socket': { type: 'int', default: 10_000, min: 1, doc: 'produces awaiting their ack; past this the gateway stops reading the socket' },
  'gateway.rate.limit.records.per.sec': { type: 'int', default: 0, min: 0, doc: 'records a socket may produce per second; past it the socket closes with 4029. 0: no limit' },
  // 128 KiB: a stalled socket holds this plus one frame (at most ~64 KiB), times every stalled
  // socket; the kernel's own socket buffers (~4 MB on loopback) keep a fast reader busy. Lower
  // marks cost fan-out rate when the reader's process is short of CPU (bench/README.md)
  'gateway.socket.high.water.bytes': { type: 'int', default: 131_072, min: 1024, doc: 'bytes queued to a socket past which its subscriptions stop' },
  // Fetched records wait here, shared by every subscription, until sent: 8 MiB holds the chunk
  // being read and the next of 8 partitions at the gateway's 512 KiB max.partition.fetch.bytes, and
  // is most of what 100 stalled sockets cost the gateway (bench/README.md, gateway)
  'gateway.fetch.cache.bytes': { type: 'long', default: 8_388_608, min: 1_048_576, doc: 'fetched records kept for subscriptions to read, across the gateway; past it the least recently read go' },
  'gateway.slow.consumer.policy': { type: 'string', default: 'pause', oneOf: ['pause', 'close'], doc: 'pause: wait for the socket to drain; close: close it with 4008' },
  'gateway.ping.interval.ms': { type: 'int', default: 30_000, min: 100 },
  'gateway.broker.metrics.urls': { type: 'list', default: [], doc: 'where the dashboard scrapes each broker\'s metrics: <broker id>=<its metrics.listener URL>, e.g. 1=http://127.0.0.1:9405 (docs/dashboard.md)' },
  'logger.level': { type: 'string', default: 'info', oneOf: ['error', 'warn', 'info', 'debug'] },
  'logger.format': { type: 'string', default: 'json', oneOf: ['json', 'pretty'] },
  'logger.dir': { type: 'string', default: 'logs', doc: 'where gateway.log goes; empty for stdout only' },
} as const satisfies ConfigSchema

export type GatewayValues = ConfigValues<typeof gatewayConfigSchema>


export interface GatewayConfig {
  readonly values: GatewayValues
  readonly listener: HttpListener
  /** Every token (gateway.auth.tokens, gateway.auth.principals, gateway.auth.token.file) → the principal it acts as, if it names one. */
  readonly tokens: ReadonlyMap<string, string | undefined>
  /** Set when some token names a principal: the gateway then authorizes every operation as the brokers' AclAuthorizer does. */
  readonly authorization?: { superUsers: string[], allowEveryoneIfNoAclFound: boolean }
  readonly producer: ClientProperties
  readonly consumer: ClientProperties
  /** The dashboard's admin client: bootstrap.servers and the security keys. */
  readonly admin: ClientProperties
  /** From gateway.broker.metrics.urls: broker id → its /metrics URL. */
  readonly brokerMetricsUrls: ReadonlyMap<number, string>
}

/**
 * The gateway's clients differ from Kafka's defaults where a gateway needs it: a produce to a
 * missing topic answers within seconds, and a Fetch answer is at most 1 MiB, 512 KiB of it per partition (a chunk of the shared fetch cache).
 */
const PRODUCER_DEFAULTS: ClientProperties = { 'max.block.ms': 10_000, 'client.id': 'kafka-gateway' }
const CONSUMER_DEFAULTS: ClientProperties = { 'fetch.max.bytes': 1_048_576, 'max.partition.fetch.bytes': 524_288, 'client.id': 'kafka-gateway' }
/** Set by the gateway itself from other keys or per subscription. */
const GATEWAY_OWNED = new Set(['bootstrap.servers', 'group.id', 'enable.auto.commit', 'auto.offset.reset'])

export function isLoopback (host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'))
}

/** `tokenFileText` is the token file's content, read by the caller (problems name the file). */
export function toGatewayConfig (raw: Record<string, unknown>, readTokenFile: (path: string) => string): { config?: GatewayConfig, problems: string[] } {
  const own: Record<string, unknown> = {}
  const clients: Record<'producer' | 'consumer' | 'security', Record<string, unknown>> = { producer: {}, consumer: {}, security: {} }
  for (const [key, value] of Object.entries(raw)) {
    const m = /^(producer|consumer)\.(.+)$/.exec(key)
    if (m !== null) clients[m[1] as 'producer' | 'consumer'][m[2] ?? ''] = value
    else if (isClientSecurityKey(key)) clients.security[key] = value
    else own[key] = value
  }
  const { values, problems: keyProblems } = validateConfig(gatewayConfigSchema, own)
  const problems = keyProblems.map(p => p.message)
  const before = problems.length
  const security = clientOverrides('', commonClientSchema, clients.security, {}, problems)
  // a bad security key is named once, not again for each client it goes to
  if (problems.length > before) return { problems }
  const producer = clientOverrides('producer.', producerSchema, clients.producer, { ...PRODUCER_DEFAULTS, ...security }, problems)
  const consumer = clientOverrides('consumer.', consumerSchema, clients.consumer, { ...CONSUMER_DEFAULTS, ...security }, problems)
  if (problems.length > 0) return { problems }
  const parsed = parseHttpListener('gateway.listener', values['gateway.listener'])
  if (parsed.problem !== undefined) problems.push(parsed.problem)
  const tokens = new Map<string, string | undefined>()
  const addToken = (entry: string, where: string): void => {
    const [token = '', principal] = splitTokenEntry(entry)
    if (principal !== undefined && !/^[^:\s]+:\S/.test(principal)) problems.push(`${where}: the principal of a token must look like User:alice, not ${JSON.stringify(principal)}`)
    if (tokens.has(token) && tokens.get(token) !== principal) problems.push(`${where}: a token is given twice with different principals`)
    tokens.set(token, principal ?? tokens.get(token))
  }
  for (const t of values['gateway.auth.tokens']) addToken(t, '"gateway.auth.tokens"')
  for (const t of values['gateway.auth.principals']) {
    if (splitTokenEntry(t)[1] === undefined) problems.push('"gateway.auth.principals" entries must be `<token> <principal>`, e.g. `<token> User:alice`')
    addToken(t, '"gateway.auth.principals"')
  }
  const tokenFile = values['gateway.auth.token.file']
  if (tokenFile !== null) {
    try {
      for (const line of readTokenFile(tokenFile).split('\n').map(l => l.trim()).filter(l => l !== '' && !l.startsWith('#'))) addToken(line, '"gateway.auth.token.file"')
    } catch (err) {
      problems.push(`"gateway.auth.token.file" ${JSON.stringify(tokenFile)} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`)
    }
  }
  const short = [...tokens.keys()].find(t => t.length < 16)
  if (short !== undefined) problems.push('"gateway.auth.tokens" entries must be at least 16 characters: a token is a secret')
  const principals = [...tokens.values()].some(p => p !== undefined)
  if (principals && values['zookeeper.connect'] === null) problems.push('tokens mapped to principals need "zookeeper.connect": the gateway reads the cluster\'s ACLs there, as the brokers do')
  if (parsed.listener !== undefined && tokens.size === 0 && !isLoopback(parsed.listener.host)) {
    problems.push(`"gateway.listener" ${parsed.listener.url} is not a loopback address, so "gateway.auth.tokens" (or "gateway.auth.token.file") must be set`)
  }
  for (const origin of values['gateway.allowed.origins']) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) problems.push(`"gateway.allowed.origins" entry ${JSON.stringify(origin)} must be * or look like http(s)://host[:port]`)
  }
  const brokerMetricsUrls = metricsUrls(values['gateway.broker.metrics.urls'], problems)
  if (problems.length > 0 || parsed.listener === undefined) return { problems }
  const bootstrap = { 'bootstrap.servers': values['bootstrap.servers'] }
  const authorization = principals
    ? { superUsers: (values['super.users'] ?? '').split(';').map(p => p.trim()).filter(p => p !== ''), allowEveryoneIfNoAclFound: values['allow.everyone.if.no.acl.found'] }
    : undefined
  return {
    config: {
      values,
      listener: parsed.listener,
      tokens,
      ...(authorization !== undefined ? { authorization } : {}),
      producer: { ...producer, ...bootstrap },
      consumer: { ...consumer, ...bootstrap },
      admin: { ...security, ...bootstrap },
      brokerMetricsUrls,
    },
    problems,
  }
}

/** Kafka's client security keys (CommonClientConfigs, SslConfigs, SaslConfigs), given once for every client of the gateway. */
function isClientSecurityKey (key: string): boolean {
  return key in commonClientSchema && (key === 'security.protocol' || key.startsWith('sasl.') || key.startsWith('ssl.'))
}

/** `<token>` or `<token> <principal>`: a token never holds whitespace (it travels as `Bearer <token>`). */
function splitTokenEntry (entry: string): [string, string?] {
  const m = /^(\S+)\s+(.+)$/.exec(entry.trim())
  return m === null ? [entry.trim()] : [m[1]!, m[2]!.trim()]
}

/** `<id>=http://host:port[/path]`; a URL without a path means the broker's `/metrics`. */
function metricsUrls (entries: readonly string[], problems: string[]): Map<number, string> {
  const urls = new Map<number, string>()
  for (const entry of entries) {
    const m = /^(\d+)=(https?:\/\/[^/\s]+)(\/\S*)?$/.exec(entry)
    if (m === null || Number(m[1]) > 2 ** 31 - 1) {
      problems.push(`"gateway.broker.metrics.urls" entry ${JSON.stringify(entry)} must look like <broker id>=http://host:port`)
      continue
    }
    const id = Number(m[1])
    if (urls.has(id)) problems.push(`"gateway.broker.metrics.urls" names broker ${id} twice`)
    urls.set(id, `${m[2]!}${m[3] === undefined || m[3] === '/' ? '/metrics' : m[3]}`)
  }
  return urls
}

function clientOverrides (prefix: string, schema: ConfigSchema, given: Record<string, unknown>, defaults: ClientProperties, problems: string[]): ClientProperties {
  for (const key of Object.keys(given)) {
    if (!(key in schema) || GATEWAY_OWNED.has(key)) problems.push(`unknown key "${prefix}${key}"${GATEWAY_OWNED.has(key) ? ' (the gateway sets it)' : ''}`)
  }
  const merged = { ...defaults, ...given }
  const subset = Object.fromEntries(Object.keys(merged).filter(k => k in schema && !GATEWAY_OWNED.has(k)).map(k => [k, schema[k]!]))
  for (const p of validateConfig(subset, merged).problems) problems.push(p.message.replace(`"${p.key}"`, `"${prefix}${p.key}"`))
  return merged as ClientProperties
}
