import { EventEmitter } from 'node:events'
import zookeeper from 'node-zookeeper-client'
import type { Logger } from '../logger.js'
import { connectionManagerOf, parseWholeReplies } from './zk-client-connection.js'

export type Watcher = (event: zookeeper.Event) => void
/** `ctime`: when the znode was created, in ms by the clock of the ZooKeeper server that created it. */
export interface ZnodeData { data: Buffer, version: number, czxid: bigint, ctime: number, ephemeralOwner: bigint }
/** A znode as `zookeeper-shell get -s` and `ls` show it: data, the whole Stat (zxids and session ids in hex), children. */
export interface ZnodeWithStat {
  data: Buffer
  stat: { czxid: string, mzxid: string, pzxid: string, ctime: number, mtime: number, version: number, cversion: number, aversion: number, ephemeralOwner: string, dataLength: number, numChildren: number }
  children: string[]
}

/** A ZooKeeper failure with its code name (NO_NODE, NODE_EXISTS, BAD_VERSION ...) for callers to test. */
export class ZkError extends Error {
  constructor (readonly code: string, readonly path: string | undefined, options?: ErrorOptions) {
    super(`ZooKeeper ${code}${path !== undefined ? ` at ${path}` : ''}`, options)
    this.name = 'ZkError'
  }
}

export type ZkOp =
  | { op: 'create', path: string, data: Buffer, ephemeral?: boolean }
  | { op: 'setData', path: string, data: Buffer, version: number }
  | { op: 'check', path: string, version: number }
  | { op: 'remove', path: string, version?: number }

/**
 * A ZooKeeper session as the broker's modules use it: ZkSession's requests, generation, lease
 * and events ('session', 'expired', 'disconnected', 'connected'; see ZkSession). Only the process
 * that opens the connection names ZkSession; modules take this, so that unit tests can hand them
 * an in-memory ZooKeeper (support/fake-zookeeper.ts).
 */
export interface ZkClient extends EventEmitter {
  /** Bumped by every new session. */
  readonly generation: number
  readonly sessionId: string
  readonly isConnected: boolean
  hasLease: (nowMs?: number) => boolean
  create: (path: string, data: Buffer, mode?: 'persistent' | 'ephemeral' | 'persistent_sequential') => Promise<string>
  mkdirp: (path: string) => Promise<void>
  /** null when the znode does not exist (and then no watch is set: use exists). */
  getData: (path: string, watcher?: Watcher) => Promise<ZnodeData | null>
  setData: (path: string, data: Buffer, version?: number) => Promise<number>
  getChildren: (path: string, watcher?: Watcher) => Promise<string[]>
  exists: (path: string, watcher?: Watcher) => Promise<boolean>
  remove: (path: string, version?: number) => Promise<void>
  /** Deletes a subtree, children first; fine if it is already gone. */
  removeRecursive: (path: string) => Promise<void>
  multi: (ops: readonly ZkOp[]) => Promise<void>
}

export interface ZkSessionOptions {
  sessionTimeoutMs: number
  connectionTimeoutMs: number
  logger: Logger
  /**
   * zookeeper.set.acl: znodes this client creates are writable only by its own identity and
   * readable by everyone, sensitive ones by no one else (Kafka's ZkData.defaultAcls).
   */
  secureAcls?: boolean
  /** `user:password` this client authenticates to ZooKeeper with (the digest scheme, ZooKeeper's addauth). */
  digestAuth?: string
}

/** Kafka's ZkData.SensitiveRootPaths: SCRAM credentials and broker configs (which may hold passwords) are not world-readable. */
const SENSITIVE_ROOT_PATHS = ['/config/users', '/config/brokers', '/delegation_token']
/** ZooDefs.Ids.CREATOR_ALL_ACL and READ_ACL_UNSAFE. */
const CREATOR_ALL = new zookeeper.ACL(zookeeper.Permission.ALL, new zookeeper.Id('auth', ''))
const WORLD_READ = new zookeeper.ACL(zookeeper.Permission.READ, new zookeeper.Id('world', 'anyone'))
const OPEN = [new zookeeper.ACL(zookeeper.Permission.ALL, new zookeeper.Id('world', 'anyone'))]

/**
 * Kafka's ZkData.defaultAcls: with secure ACLs, the creator may do anything and everyone else may
 * read, except under the sensitive paths; /consumers stays open (old consumers write there).
 */
export function defaultAcls (secure: boolean, path: string): zookeeper.ACL[] {
  if (!secure || path === '/consumers') return OPEN
  return SENSITIVE_ROOT_PATHS.some(root => path.startsWith(root)) ? [CREATOR_ALL] : [CREATOR_ALL, WORLD_READ]
}

/**
 * Promises over node-zookeeper-client, and the session's life: when ZooKeeper expires the session,
 * 'expired' is emitted first (so a controller resigns before anything else), then a new session is
 * opened and 'session' is emitted so that ephemeral znodes and watches can be set up again.
 * Events: 'session' (new session, also the first), 'expired', 'disconnected', 'connected'.
 *
 * The session lease: ZooKeeper keeps a session alive until it has heard nothing from the client for
 * the negotiated timeout, so a reply to a request sent at time T proves the session lives until at
 * least T + timeout. Past that, with no newer proof (a cut link, a process paused by SIGSTOP or a
 * long GC, whose timers and sockets are served late), the session may be gone and what it held
 * (the broker's registration, its leaderships) may already be another broker's. A leader consults
 * `hasLease()` before it accepts writes; probes renew the lease every third of the timeout, the
 * way the client's own pings keep the session alive.
 */
export class ZkSession extends EventEmitter implements ZkClient {
  private client!: zookeeper.Client
  private closed = false
  private readonly log: Logger
  /** Bumped by every new session: work begun in an older one (its watches died with it) stops. */
  generation = 0
  private leaseUntilMs = 0
  private leaseProbe?: Promise<void>
  private leaseProbeSentMs = 0
  private leaseTimer?: NodeJS.Timeout

  private constructor (readonly connectString: string, private readonly options: ZkSessionOptions) {
    super()
    this.log = options.logger
  }

  static async connect (connectString: string, options: ZkSessionOptions): Promise<ZkSession> {
    const chroot = chrootOf(connectString)
    if (chroot !== '') {
      // The chroot must exist before a client can use it: create it through a session without one.
      const bare = await ZkSession.connect(connectString.slice(0, connectString.length - chroot.length), options)
      try {
        await bare.mkdirp(chroot)
      } finally {
        bare.close()
      }
    }
    const session = new ZkSession(connectString, options)
    await session.openClient()
    return session
  }

  get sessionId (): string { return this.client.getSessionId().toString('hex') }
  /** Connected to a server now (a lost connection queues requests until it is back or the session expires). */
  get isConnected (): boolean { return this.client.getState() === zookeeper.State.SYNC_CONNECTED }

  /** True while a reply proves the session alive (see the class comment); a lapsed lease starts a probe. */
  hasLease (nowMs = Date.now()): boolean {
    if (nowMs < this.leaseUntilMs) return true
    this.probeLease()
    return false
  }

  private probeLease (): void {
    if (this.leaseProbe !== undefined || this.closed) return
    const client = this.client
    const sentMs = Date.now()
    this.leaseProbeSentMs = sentMs
    this.leaseProbe = this.call<unknown>('/', cb => client.exists('/', cb)).then(() => {
      if (client === this.client) this.leaseUntilMs = Math.max(this.leaseUntilMs, sentMs + client.getSessionTimeout())
    }, () => {}).finally(() => { this.leaseProbe = undefined })
  }

  private async openClient (): Promise<void> {
    const client = zookeeper.createClient(this.connectString, { sessionTimeout: this.options.sessionTimeoutMs, spinDelay: 200, retries: 1 })
    this.client = client
    parseWholeReplies(connectionManagerOf(client))
    // Sent before any request, and again by the client on every reconnection.
    if (this.options.digestAuth !== undefined) client.addAuthInfo('digest', Buffer.from(this.options.digestAuth))
    const connectingMs = Date.now()
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.close()
        reject(new Error(`cannot connect to ZooKeeper at ${this.connectString} within ${this.options.connectionTimeoutMs} ms`))
      }, this.options.connectionTimeoutMs)
      client.once('connected', () => { clearTimeout(timer); resolve() })
      client.connect()
    })
    client.on('state', (state: zookeeper.State) => {
      if (client !== this.client || this.closed) return
      if (state === zookeeper.State.EXPIRED) void this.onExpired()
      else if (state === zookeeper.State.DISCONNECTED) { this.log.warn('zookeeper connection lost; reconnecting'); this.emit('disconnected') }
      else if (state === zookeeper.State.SYNC_CONNECTED) { this.log.info('zookeeper connected', { sessionId: this.sessionId }); this.emit('connected') }
    })
    this.generation++
    this.leaseUntilMs = connectingMs + client.getSessionTimeout()
    clearInterval(this.leaseTimer)
    this.leaseTimer = setInterval(() => {
      this.dropSilentConnection(Date.now())
      this.probeLease()
    }, Math.max(100, Math.floor(client.getSessionTimeout() / 3)))
    this.leaseTimer.unref()
    this.log.info('zookeeper session established', { connect: this.connectString, sessionId: this.sessionId, sessionTimeoutMs: client.getSessionTimeout() })
    this.emit('session')
  }

  /**
   * Java's ClientCnxn drops a connection it has heard nothing on for two thirds of the session
   * timeout (its readTimeout) and connects again. node-zookeeper-client never does, so behind a
   * silent partition it waits on TCP's retransmissions, whose backoff grows to minutes, and learns
   * that its session expired long after the network healed. A lease probe unanswered that long
   * stands for the silence; destroying the client's socket makes it reconnect (its only way in).
   */
  private dropSilentConnection (nowMs: number): void {
    if (this.leaseProbe === undefined || !this.isConnected) return
    const silentMs = nowMs - this.leaseProbeSentMs
    if (silentMs < this.client.getSessionTimeout() * 2 / 3) return
    this.log.warn('zookeeper silent for two thirds of the session timeout; reconnecting', { sessionId: this.sessionId, silentMs })
    connectionManagerOf(this.client).socket?.destroy()
  }

  private async onExpired (): Promise<void> {
    this.log.warn('zookeeper session expired', { sessionId: this.sessionId })
    this.leaseUntilMs = 0
    clearInterval(this.leaseTimer)
    this.emit('expired')
    this.client.close()
    for (let attempt = 1; !this.closed; attempt++) {
      try {
        await this.openClient()
        return
      } catch (err) {
        this.log.warn('zookeeper reconnect failed; retrying', { attempt, error: (err as Error).message })
        await new Promise(resolve => setTimeout(resolve, Math.min(1000 * attempt, 5000)))
      }
    }
  }

  close (): void {
    this.closed = true
    clearInterval(this.leaseTimer)
    this.client.close()
  }

  async create (path: string, data: Buffer, mode: 'persistent' | 'ephemeral' | 'persistent_sequential' = 'persistent'): Promise<string> {
    const modes = { persistent: zookeeper.CreateMode.PERSISTENT, ephemeral: zookeeper.CreateMode.EPHEMERAL, persistent_sequential: zookeeper.CreateMode.PERSISTENT_SEQUENTIAL }
    return await this.call<string>(path, cb => this.client.create(path, data, this.acls(path), modes[mode], cb))
  }

  /** Creates the path and missing parents; fine if it exists. */
  async mkdirp (path: string): Promise<void> {
    await this.call<string>(path, cb => this.client.mkdirp(path, this.acls(path), cb))
  }

  async getData (path: string, watcher?: Watcher): Promise<ZnodeData | null> {
    try {
      const [data, stat] = await this.call2<Buffer, zookeeper.Stat>(path, cb => watcher !== undefined ? this.client.getData(path, watcher, cb) : this.client.getData(path, cb))
      return { data: data ?? Buffer.alloc(0), version: stat.version, czxid: stat.czxid.readBigInt64BE(0), ctime: Number(stat.ctime.readBigInt64BE(0)), ephemeralOwner: stat.ephemeralOwner.readBigInt64BE(0) }
    } catch (err) {
      if (err instanceof ZkError && err.code === 'NO_NODE') return null
      throw err
    }
  }

  /** null when the znode does not exist. */
  async getWithStat (path: string): Promise<ZnodeWithStat | null> {
    try {
      const [data, stat] = await this.call2<Buffer, zookeeper.Stat>(path, cb => this.client.getData(path, cb))
      const children = stat.numChildren > 0 ? await this.getChildren(path) : []
      const hex = (b: Buffer): string => `0x${b.toString('hex').replace(/^0+(?=.)/, '')}`
      const ms = (b: Buffer): number => Number(b.readBigInt64BE(0))
      return {
        data: data ?? Buffer.alloc(0),
        stat: {
          czxid: hex(stat.czxid), mzxid: hex(stat.mzxid), pzxid: hex(stat.pzxid), ctime: ms(stat.ctime), mtime: ms(stat.mtime),
          version: stat.version, cversion: stat.cversion, aversion: stat.aversion, ephemeralOwner: hex(stat.ephemeralOwner),
          dataLength: stat.dataLength, numChildren: stat.numChildren,
        },
        children: children.sort(),
      }
    } catch (err) {
      if (err instanceof ZkError && err.code === 'NO_NODE') return null
      throw err
    }
  }

  async setData (path: string, data: Buffer, version = -1): Promise<number> {
    const stat = await this.call<zookeeper.Stat>(path, cb => this.client.setData(path, data, version, cb))
    return stat.version
  }

  /** Children of path; [] if it does not exist (the watcher then fires on its creation only via exists). */
  async getChildren (path: string, watcher?: Watcher): Promise<string[]> {
    try {
      return await this.call<string[]>(path, cb => watcher !== undefined ? this.client.getChildren(path, watcher, cb) : this.client.getChildren(path, cb))
    } catch (err) {
      if (err instanceof ZkError && err.code === 'NO_NODE') return []
      throw err
    }
  }

  async exists (path: string, watcher?: Watcher): Promise<boolean> {
    const stat = await this.call<zookeeper.Stat | null>(path, cb => watcher !== undefined ? this.client.exists(path, watcher, cb) : this.client.exists(path, cb))
    return stat !== null && stat !== undefined
  }

  async remove (path: string, version = -1): Promise<void> {
    await this.call<void>(path, cb => this.client.remove(path, version, err => cb(err, undefined)))
  }

  async removeRecursive (path: string): Promise<void> {
    await removeSubtree(this, path)
  }

  /** All-or-nothing: ZooKeeper's multi. Throws ZkError with the code of the op that failed. */
  async multi (ops: readonly ZkOp[]): Promise<void> {
    const tx = this.client.transaction()
    for (const o of ops) {
      if (o.op === 'create') tx.create(o.path, o.data, this.acls(o.path), o.ephemeral === true ? zookeeper.CreateMode.EPHEMERAL : zookeeper.CreateMode.PERSISTENT)
      else if (o.op === 'setData') tx.setData(o.path, o.data, o.version)
      else if (o.op === 'check') tx.check(o.path, o.version)
      else tx.remove(o.path, o.version ?? -1)
    }
    await new Promise<void>((resolve, reject) => {
      tx.commit((err, results: Array<{ err: number }> | undefined) => {
        if (err !== null && err !== undefined) {
          // ZooKeeper marks the op that failed with its code and the others OK or RUNTIME_INCONSISTENCY.
          const failed = results?.findIndex(r => r.err !== 0 && r.err !== zookeeper.Exception.RUNTIME_INCONSISTENCY) ?? -1
          reject(toZkError(err, ops[failed]?.path ?? ''))
        } else resolve()
      })
    })
  }

  private acls (path: string): zookeeper.ACL[] {
    return defaultAcls(this.options.secureAcls === true, path)
  }

  private async call<T> (path: string, run: (cb: (err: Error | zookeeper.Exception | null, value: T) => void) => void): Promise<T> {
    return await new Promise<T>((resolve, reject) => {
      run((err, value) => { if (err !== null && err !== undefined) reject(toZkError(err, path)); else resolve(value) })
    })
  }

  private async call2<A, B> (path: string, run: (cb: (err: Error | zookeeper.Exception | null, a: A, b: B) => void) => void): Promise<[A, B]> {
    return await new Promise<[A, B]>((resolve, reject) => {
      run((err, a, b) => { if (err !== null && err !== undefined) reject(toZkError(err, path)); else resolve([a, b]) })
    })
  }
}

/**
 * ZkClient.removeRecursive over a client's own requests: deletes a subtree, children first;
 * fine if it is already gone (the ZooKeeper protocol has no recursive delete).
 */
export async function removeSubtree (zk: Pick<ZkClient, 'getChildren' | 'remove'>, path: string): Promise<void> {
  for (const child of await zk.getChildren(path)) await removeSubtree(zk, `${path}/${child}`)
  try {
    await zk.remove(path)
  } catch (err) {
    if (!(err instanceof ZkError && err.code === 'NO_NODE')) throw err
  }
}

/** The "/chroot" suffix of a connect string, or ''. */
export function chrootOf (connectString: string): string {
  const slash = connectString.indexOf('/')
  return slash < 0 ? '' : connectString.slice(slash).replace(/\/+$/, '')
}

function toZkError (err: Error | zookeeper.Exception, path: string): ZkError {
  const code = err instanceof zookeeper.Exception ? err.getName() : (err as Error).message
  return new ZkError(code, path, { cause: err })
}
