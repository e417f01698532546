/**
 * An in-memory ZooKeeper for unit tests. FakeZooKeeper is the server: one tree of znodes with
 * versions, ephemeral and sequential znodes, multi and one-shot watches, shared by the sessions
 * it opens. Each FakeZkSession is a ZkClient, so the broker's modules run on it unchanged, and
 * the test plays the faults ZkSession reports: a lost connection, an expired session, a closed one.
 * Requests answer on the next microtask and watches fire on a later turn of the event loop, as
 * ZooKeeper sends them after the reply; `settled()` waits until no watch is left to fire.
 */
import { EventEmitter } from 'node:events'
import zookeeper from 'node-zookeeper-client'
import { removeSubtree, ZkError, type Watcher, type ZkClient, type ZkOp, type ZnodeData } from '../zk-session.js'

export interface FakeZooKeeperOptions {
  /** The clock of session leases; without one, time stands still and every lease holds. */
  now?: () => number
  sessionTimeoutMs?: number
}

interface Znode { data: Buffer, version: number, cversion: number, czxid: bigint, ctime: number, ephemeralOwner: bigint, children: Set<string> }
/** 'data': set by getData and exists, fired by creation, change and deletion; 'child': by getChildren. */
type WatchKind = 'data' | 'child'
interface Watch { kind: WatchKind, path: string, sessionId: bigint, watcher: Watcher }
interface Firing { watch: Watch, event: zookeeper.Event }

const MAX_SETTLE_TURNS = 10_000

export class FakeZooKeeper {
  readonly now: () => number
  readonly sessionTimeoutMs: number
  private nodes = new Map<string, Znode>([['/', newZnode(Buffer.alloc(0), 0n, 0, 0n)]])
  private watches: Watch[] = []
  private zxid = 0n
  private nextSessionId = 0x1000n
  /** Sessions not closed or expired: only their watches fire. */
  private readonly liveSessions = new Set<bigint>()
  private pendingDeliveries = 0
  /** Watch events held back while a multi runs: they fire only if it commits. */
  private held?: Firing[]

  constructor (options: FakeZooKeeperOptions = {}) {
    this.now = options.now ?? (() => 0)
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 6000
  }

  /** A new session, connected, as ZkSession.connect returns it. */
  open (): FakeZkSession {
    return new FakeZkSession(this)
  }

  /** Resolves once no watch is left to fire and what the fired ones started has run. */
  async settled (): Promise<void> {
    let idleTurns = 0
    for (let turn = 0; turn < MAX_SETTLE_TURNS; turn++) {
      await new Promise(resolve => setImmediate(resolve))
      idleTurns = this.pendingDeliveries === 0 ? idleTurns + 1 : 0
      if (idleTurns === 2) return
    }
    throw new Error(`ZooKeeper watches still firing after ${MAX_SETTLE_TURNS} turns: does a watch re-arm itself in a loop?`)
  }

  /** The znode's data as text, or undefined if it does not exist: for assertions. */
  read (path: string): string | undefined {
    return this.nodes.get(path)?.data.toString()
  }

  /** How many watches a session (ZkClient.sessionId) has pending: for assertions that watches do not pile up. */
  watchCount (sessionId: string): number {
    const id = BigInt(`0x${sessionId}`)
    return this.watches.filter(w => w.sessionId === id).length
  }

  children (path: string): string[] {
    return [...this.nodes.get(path)?.children ?? []].sort()
  }

  startSession (): bigint {
    const sessionId = this.nextSessionId++
    this.liveSessions.add(sessionId)
    return sessionId
  }

  /** A session ended (closed or expired): its ephemeral znodes go and its watches die. */
  endSession (sessionId: bigint): void {
    this.liveSessions.delete(sessionId)
    this.watches = this.watches.filter(w => w.sessionId !== sessionId)
    const ephemeral = [...this.nodes].filter(([, n]) => n.ephemeralOwner === sessionId).map(([path]) => path)
    for (const path of ephemeral) this.remove(path, -1)
  }

  create (sessionId: bigint, path: string, data: Buffer, mode: 'persistent' | 'ephemeral' | 'persistent_sequential'): string {
    const parentPath = parentOf(path)
    const parent = this.nodes.get(parentPath)
    if (parent === undefined) throw new ZkError('NO_NODE', path)
    if (parent.ephemeralOwner !== 0n) throw new ZkError('NO_CHILDREN_FOR_EPHEMERALS', path)
    const created = mode === 'persistent_sequential' ? path + String(parent.cversion).padStart(10, '0') : path
    if (this.nodes.has(created)) throw new ZkError('NODE_EXISTS', created)
    this.nodes.set(created, newZnode(data, ++this.zxid, this.now(), mode === 'ephemeral' ? sessionId : 0n))
    parent.children.add(nameOf(created))
    parent.cversion++
    this.trigger(created, ['data'], zookeeper.Event.NODE_CREATED, 'NODE_CREATED')
    this.trigger(parentPath, ['child'], zookeeper.Event.NODE_CHILDREN_CHANGED, 'NODE_CHILDREN_CHANGED')
    return created
  }

  getData (sessionId: bigint, path: string, watcher?: Watcher): ZnodeData | null {
    const node = this.nodes.get(path)
    if (node === undefined) return null // ZooKeeper leaves no watch on a missing znode for getData
    if (watcher !== undefined) this.watch(sessionId, 'data', path, watcher)
    return { data: node.data, version: node.version, czxid: node.czxid, ctime: node.ctime, ephemeralOwner: node.ephemeralOwner }
  }

  setData (path: string, data: Buffer, version: number): number {
    const node = this.existing(path, version)
    node.data = data
    node.version++
    this.trigger(path, ['data'], zookeeper.Event.NODE_DATA_CHANGED, 'NODE_DATA_CHANGED')
    return node.version
  }

  getChildren (sessionId: bigint, path: string, watcher?: Watcher): string[] {
    if (!this.nodes.has(path)) return []
    if (watcher !== undefined) this.watch(sessionId, 'child', path, watcher)
    return this.children(path)
  }

  exists (sessionId: bigint, path: string, watcher?: Watcher): boolean {
    if (watcher !== undefined) this.watch(sessionId, 'data', path, watcher)
    return this.nodes.has(path)
  }

  remove (path: string, version: number): void {
    const node = this.existing(path, version)
    if (node.children.size > 0) throw new ZkError('NOT_EMPTY', path)
    const parentPath = parentOf(path)
    this.nodes.delete(path)
    const parent = this.nodes.get(parentPath)
    if (parent !== undefined) {
      parent.children.delete(nameOf(path))
      parent.cversion++
    }
    this.trigger(path, ['data', 'child'], zookeeper.Event.NODE_DELETED, 'NODE_DELETED')
    this.trigger(parentPath, ['child'], zookeeper.Event.NODE_CHILDREN_CHANGED, 'NODE_CHILDREN_CHANGED')
  }

  /** All or nothing: on a failure the tree is put back and ZkError names the op that failed. */
  multi (sessionId: bigint, ops: readonly ZkOp[]): void {
    const before = new Map([...this.nodes].map(([path, n]) => [path, { ...n, children: new Set(n.children) }]))
    const { zxid, watches } = this
    this.held = []
    try {
      for (const o of ops) {
        if (o.op === 'create') this.create(sessionId, o.path, o.data, o.ephemeral === true ? 'ephemeral' : 'persistent')
        else if (o.op === 'setData') this.setData(o.path, o.data, o.version)
        else if (o.op === 'check') this.existing(o.path, o.version)
        else this.remove(o.path, o.version ?? -1)
      }
    } catch (err) {
      this.nodes = before
      this.zxid = zxid
      this.watches = watches
      this.held = undefined
      throw err
    }
    const firings = this.held
    this.held = undefined
    this.deliver(firings)
  }

  private existing (path: string, version: number): Znode {
    const node = this.nodes.get(path)
    if (node === undefined) throw new ZkError('NO_NODE', path)
    if (version !== -1 && version !== node.version) throw new ZkError('BAD_VERSION', path)
    return node
  }

  /** One watch per session, path, kind and watcher, as the client keeps them. */
  private watch (sessionId: bigint, kind: WatchKind, path: string, watcher: Watcher): void {
    if (this.watches.some(w => w.sessionId === sessionId && w.kind === kind && w.path === path && w.watcher === watcher)) return
    this.watches.push({ kind, path, sessionId, watcher })
  }

  private trigger (path: string, kinds: readonly WatchKind[], type: number, name: string): void {
    const fired = this.watches.filter(w => w.path === path && kinds.includes(w.kind))
    if (fired.length === 0) return
    this.watches = this.watches.filter(w => !fired.includes(w))
    const firings = fired.map(watch => ({ watch, event: new zookeeper.Event(type, name, path) }))
    if (this.held !== undefined) this.held.push(...firings)
    else this.deliver(firings)
  }

  private deliver (firings: Firing[]): void {
    if (firings.length === 0) return
    this.pendingDeliveries++
    setImmediate(() => {
      this.pendingDeliveries--
      // A watch of a session that ended meanwhile died with it.
      for (const { watch, event } of firings) if (this.liveSessions.has(watch.sessionId)) watch.watcher(event)
    })
  }
}

/**
 * One client session of a FakeZooKeeper, with ZkSession's events ('session', 'expired',
 * 'disconnected', 'connected') and its lease: a reply to a request sent at T proves the session
 * alive until T + the session timeout; a lapsed lease starts a probe, which fails while the
 * connection is lost.
 */
export class FakeZkSession extends EventEmitter implements ZkClient {
  generation = 1
  private id: bigint
  private connected = true
  private closed = false
  private leaseUntilMs: number
  private leaseProbe?: Promise<void>

  constructor (private readonly server: FakeZooKeeper) {
    super()
    this.id = server.startSession()
    this.leaseUntilMs = server.now() + server.sessionTimeoutMs
  }

  get sessionId (): string { return this.id.toString(16).padStart(16, '0') }
  get isConnected (): boolean { return this.connected && !this.closed }

  hasLease (nowMs = this.server.now()): boolean {
    if (nowMs < this.leaseUntilMs) return true
    this.probeLease()
    return false
  }

  /** The connection drops: requests fail with CONNECTION_LOSS until reconnect(). */
  disconnect (): void {
    this.connected = false
    this.emit('disconnected')
  }

  reconnect (): void {
    this.connected = true
    this.emit('connected')
  }

  /**
   * ZooKeeper expires the session: 'expired', its ephemeral znodes and watches go, then a new
   * session opens and 'session' is emitted, as ZkSession does when it reconnects.
   */
  expire (): void {
    this.leaseUntilMs = 0
    this.emit('expired')
    this.server.endSession(this.id)
    this.id = this.server.startSession()
    this.connected = true
    this.generation++
    this.leaseUntilMs = this.server.now() + this.server.sessionTimeoutMs
    this.emit('session')
  }

  close (): void {
    this.closed = true
    this.server.endSession(this.id)
  }

  async create (path: string, data: Buffer, mode: 'persistent' | 'ephemeral' | 'persistent_sequential' = 'persistent'): Promise<string> {
    return await this.request(path, () => this.server.create(this.id, path, data, mode))
  }

  async mkdirp (path: string): Promise<void> {
    await this.request(path, () => {
      let prefix = ''
      for (const part of path.split('/').filter(p => p !== '')) {
        prefix += `/${part}`
        if (!this.server.exists(this.id, prefix)) this.server.create(this.id, prefix, Buffer.alloc(0), 'persistent')
      }
    })
  }

  async getData (path: string, watcher?: Watcher): Promise<ZnodeData | null> {
    return await this.request(path, () => this.server.getData(this.id, path, watcher))
  }

  async setData (path: string, data: Buffer, version = -1): Promise<number> {
    return await this.request(path, () => this.server.setData(path, data, version))
  }

  async getChildren (path: string, watcher?: Watcher): Promise<string[]> {
    return await this.request(path, () => this.server.getChildren(this.id, path, watcher))
  }

  async exists (path: string, watcher?: Watcher): Promise<boolean> {
    return await this.request(path, () => this.server.exists(this.id, path, watcher))
  }

  async remove (path: string, version = -1): Promise<void> {
    await this.request(path, () => this.server.remove(path, version))
  }

  async removeRecursive (path: string): Promise<void> {
    await removeSubtree(this, path)
  }

  async multi (ops: readonly ZkOp[]): Promise<void> {
    await this.request(ops[0]?.path ?? '/', () => this.server.multi(this.id, ops))
  }

  private async request<T> (path: string, run: () => T): Promise<T> {
    await Promise.resolve() // answered after the caller has gone on, as over a socket
    if (this.closed) throw new ZkError('SESSION_EXPIRED', path)
    if (!this.connected) throw new ZkError('CONNECTION_LOSS', path)
    return run()
  }

  private probeLease (): void {
    if (this.leaseProbe !== undefined || this.closed) return
    const sentMs = this.server.now()
    const id = this.id
    this.leaseProbe = this.exists('/').then(() => {
      if (id === this.id) this.leaseUntilMs = Math.max(this.leaseUntilMs, sentMs + this.server.sessionTimeoutMs)
    }, () => {}).finally(() => { this.leaseProbe = undefined })
  }
}

function newZnode (data: Buffer, czxid: bigint, ctime: number, ephemeralOwner: bigint): Znode {
  return { data, version: 0, cversion: 0, czxid, ctime, ephemeralOwner, children: new Set() }
}

function parentOf (path: string): string {
  const slash = path.lastIndexOf('/')
  return slash <= 0 ? '/' : path.slice(0, slash)
}

function nameOf (path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}
