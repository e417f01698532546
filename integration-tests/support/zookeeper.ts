import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs'
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { constants, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { freePorts } from './free-port.js'
import type { NamespaceHost } from './network-namespaces.js'
import { waitFor, waitForEvent, type WaitOptions } from './wait-for.js'
import { serverStatus, type ZooKeeperMode } from '../../src/cluster/four-letter-words.js'
export type { ZooKeeperMode }


export interface ZooKeeperNode {
  /** The node's myid (1, 2, 3); `nodes[i].id === i + 1`. */
  readonly id: number
  readonly host: string
  readonly clientPort: number
  /** The JVM's pid (the latest one after a restart); undefined against an external ZK_CONNECT. */
  pid: number | undefined
}

export interface ZooKeeperHandle {
  /** For clients and brokers: `127.0.0.1:port[,127.0.0.1:port...]` (the host's address when started on a NamespaceHost). */
  readonly connectString: string
  readonly nodes: readonly ZooKeeperNode[]
  /** True when the handle is for the ensemble in $ZK_CONNECT: no processes, kill and restart throw. */
  readonly external: boolean
  /** Node i's mode now (i indexes `nodes`). */
  mode (i: number): Promise<ZooKeeperMode>
  /** Waits (default up to 30 s) until some node says it is leader (or standalone) and returns its index. */
  leaderIndex (options?: WaitOptions): Promise<number>
  /** Sends `signal` (default SIGKILL) to node i and waits for its process to exit. */
  kill (i: number, signal?: NodeJS.Signals): Promise<void>
  /** Starts node i again on the same ports and data dir (stopping it first if it runs); waits until it serves. */
  restart (i: number): Promise<void>
  /** Kills every node by pid and removes the temp dir. Idempotent; a no-op for an external ensemble. */
  stop (): Promise<void>
}

export interface StartZooKeeperOptions {
  /** One standalone node (default) or a three-node ensemble. */
  ensemble?: 1 | 3
  /** Java system properties for the server (e.g. a small jute.maxbuffer, ZooKeeper's packet limit). */
  systemProperties?: Record<string, string>
  /**
   * Run every node on this host of a NamespaceNetwork, serving clients on its address (default
   * 127.0.0.1 here); $ZK_CONNECT is then ignored, as the test means to cut this ZooKeeper off.
   */
  host?: NamespaceHost
}

/**
 * Starts a real ZooKeeper on free ports in a temp dir and waits until every node answers `srvr`
 * (and an ensemble has a leader). If $ZK_CONNECT is set, returns a handle for that ensemble instead.
 * Use `t.after(() => zk.stop())`.
 */
export async function startZooKeeper ({ ensemble = 1, systemProperties = {}, host }: StartZooKeeperOptions = {}): Promise<ZooKeeperHandle> {
  const external = process.env['ZK_CONNECT']
  if (external !== undefined && external !== '' && host === undefined) return externalHandle(external)

  const [java, ...javaArgs] = await zooKeeperCommand()
  const command = [...host?.commandPrefix ?? [], java!, ...Object.entries(systemProperties).map(([k, v]) => `-D${k}=${v}`), ...javaArgs]
  const clientPortAddress = host?.address ?? '127.0.0.1'
  // client ports, then (ensemble only) quorum ports, then election ports
  const ports = await freePorts(ensemble === 1 ? 1 : ensemble * 3)
  const dir = await mkdtemp(join(tmpdir(), 'zk-'))
  const nodes: LocalNode[] = []
  for (let i = 0; i < ensemble; i++) {
    const id = i + 1
    const nodeDir = join(dir, `node-${id}`)
    await mkdir(join(nodeDir, 'data'), { recursive: true })
    if (ensemble > 1) await writeFile(join(nodeDir, 'data', 'myid'), `${id}\n`)
    const clientPort = ports[i]!
    const servers = ensemble === 1
      ? []
      : Array.from({ length: ensemble }, (_, j) =>
        `server.${j + 1}=127.0.0.1:${ports[ensemble + j]!}:${ports[2 * ensemble + j]!}`)
    const configPath = join(nodeDir, 'zoo.cfg')
    await writeFile(configPath, zooCfg({ dataDir: join(nodeDir, 'data'), clientPort, clientPortAddress, servers }))
    nodes.push({ id, host: clientPortAddress, clientPort, pid: undefined, dir: nodeDir, configPath, child: undefined })
  }

  const handle = new LocalZooKeeper(dir, nodes, command)
  try {
    for (const node of nodes) handle.spawn(node)
    await handle.waitServing(nodes.map((_, i) => i), START_TIMEOUT_MS)
    if (ensemble > 1) await handle.leaderIndex({ timeoutMs: START_TIMEOUT_MS })
  } catch (error) {
    await handle.stop()
    throw error
  }
  return handle
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const START_TIMEOUT_MS = 60_000
const EXIT_TIMEOUT_MS = 20_000
const SERVING: readonly ZooKeeperMode[] = ['standalone', 'leader', 'follower', 'observer']

interface LocalNode extends ZooKeeperNode {
  readonly dir: string
  readonly configPath: string
  child: ChildProcess | undefined
}

class LocalZooKeeper implements ZooKeeperHandle {
  readonly external = false
  readonly connectString: string
  #stopped = false

  constructor (readonly dir: string, readonly nodes: LocalNode[], readonly command: readonly string[]) {
    this.connectString = nodes.map((node) => `${node.host}:${node.clientPort}`).join(',')
  }

  mode (i: number): Promise<ZooKeeperMode> {
    const node = this.#node(i)
    return zooKeeperMode(node.host, node.clientPort)
  }

  leaderIndex (options?: WaitOptions): Promise<number> {
    return leaderIndexOf(this, options)
  }

  async kill (i: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const node = this.#node(i)
    const child = node.child
    if (child === undefined || hasExited(child)) return
    const exited = waitForEvent(child, 'exit', `ZooKeeper node ${node.id} (pid ${child.pid}) to exit after ${signal}`,
      { timeoutMs: EXIT_TIMEOUT_MS })
    child.kill(signal)
    await exited
  }

  async restart (i: number): Promise<void> {
    await this.kill(i, 'SIGTERM')
    this.spawn(this.#node(i))
    await this.waitServing([i], START_TIMEOUT_MS)
  }

  async stop (): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    await Promise.all(this.nodes.map((_, i) => this.kill(i, 'SIGKILL')))
    await rm(this.dir, { recursive: true, force: true })
    tempDirs.delete(this.dir)
  }

  spawn (node: LocalNode): void {
    const [executable, ...args] = this.command
    const log = openSync(join(node.dir, 'zookeeper.log'), 'a')
    try {
      node.child = spawn(executable!, [...args, node.configPath], { stdio: ['ignore', log, log], detached: false })
    } finally {
      closeSync(log)
    }
    node.pid = node.child.pid
    trackChild(node.child, this.dir)
  }

  /** Until nodes `indexes` all serve clients; fails at once, with its log, if one of them exits. */
  async waitServing (indexes: number[], timeoutMs: number): Promise<void> {
    const what = `ZooKeeper node(s) ${indexes.map((i) => this.#node(i).id).join(', ')} of ${this.connectString} to answer srvr`
    await waitFor(async () => {
      for (const i of indexes) {
        const node = this.#node(i)
        if (node.child === undefined || hasExited(node.child)) {
          throw new Error(`ZooKeeper node ${node.id} exited during start-up (${exitDescription(node.child)}); ` +
            `last lines of ${node.dir}/zookeeper.log:\n${await logTail(node.dir)}`)
        }
        // A node still starting may accept and not answer in time; its exit, if it fails, shows next round.
        const mode = await this.mode(i).catch(() => 'not serving' as const)
        if (!SERVING.includes(mode)) return false
      }
      return true
    }, what, { timeoutMs, intervalMs: 100 })
  }

  #node (i: number): LocalNode {
    const node = this.nodes[i]
    if (node === undefined) throw new RangeError(`no ZooKeeper node at index ${i} (there are ${this.nodes.length})`)
    return node
  }
}

function externalHandle (connectString: string): ZooKeeperHandle {
  // host:port[,host:port...][/chroot]
  const hosts = connectString.replace(/\/.*$/, '').split(',')
  const nodes: ZooKeeperNode[] = hosts.map((hostPort, i) => {
    const match = /^(.+):(\d+)$/.exec(hostPort.trim())
    if (match === null) throw new Error(`ZK_CONNECT: expected host:port[,host:port...], got ${JSON.stringify(connectString)}`)
    return { id: i + 1, host: match[1]!, clientPort: Number(match[2]), pid: undefined }
  })
  const unsupported = (what: string) => Promise.reject(new Error(
    `${what} is not supported against external ZK_CONNECT=${connectString}: unset ZK_CONNECT to let the tests start their own ZooKeeper`))
  const handle: ZooKeeperHandle = {
    connectString,
    nodes,
    external: true,
    mode: (i) => {
      const node = nodes[i]
      if (node === undefined) return Promise.reject(new RangeError(`no ZooKeeper node at index ${i} in ZK_CONNECT`))
      return zooKeeperMode(node.host, node.clientPort)
    },
    leaderIndex: (options) => leaderIndexOf(handle, options),
    kill: () => unsupported('killing a ZooKeeper node'),
    restart: () => unsupported('restarting a ZooKeeper node'),
    stop: async () => {},
  }
  return handle
}

async function leaderIndexOf (handle: ZooKeeperHandle, { timeoutMs = 30_000, intervalMs = 100 }: WaitOptions = {}): Promise<number> {
  let leader = -1
  await waitFor(async () => {
    const modes = await Promise.all(handle.nodes.map((_, i) => handle.mode(i)))
    leader = modes.findIndex((mode) => mode === 'leader' || mode === 'standalone')
    return leader >= 0
  }, `a leader among ZooKeeper nodes ${handle.connectString}`, { timeoutMs, intervalMs })
  return leader
}

/** A node's mode from its `srvr` reply. */
async function zooKeeperMode (host: string, port: number): Promise<ZooKeeperMode> {
  return (await serverStatus(host, port)).mode
}

let commandPromise: Promise<string[]> | undefined

/** java, its flags, class path and main class from zk/ensure-zookeeper.sh, found once per process. */
function zooKeeperCommand (): Promise<string[]> {
  commandPromise ??= (async () => {
    const script = join(ROOT, 'zk', 'ensure-zookeeper.sh')
    try {
      // --no-install: test files run in parallel and must not race apt-get; `npm test` installs first.
      const { stdout } = await promisify(execFile)('bash', [script, '--print-command', '--no-install'])
      return stdout.split('\n').filter((line) => line !== '')
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? ''
      throw new Error(`cannot run ZooKeeper: ${stderr.trim()}\n(install it with: bash zk/ensure-zookeeper.sh, ` +
        'or point the tests at a running ensemble with ZK_CONNECT)', { cause: error })
    }
  })()
  return commandPromise
}

/** Reads the common settings (ticks, 4lw whitelist, no AdminServer ...) from zk/zoo.cfg, the one place they are tuned. */
function zooCfg ({ dataDir, clientPort, clientPortAddress, servers }: { dataDir: string; clientPort: number; clientPortAddress: string; servers: string[] }): string {
  const perNode = /^(dataDir|clientPort|clientPortAddress|server\.\d+)\s*=/
  const common = readFileSync(join(ROOT, 'zk', 'zoo.cfg'), 'utf8').split('\n')
    .filter((line) => /^\s*[\w.]+\s*=/.test(line) && !perNode.test(line.trim()))
  return [
    ...common,
    // A temp dir dies with the test: skip fsync per transaction (a killed JVM loses nothing, the page cache has it).
    'forceSync=no',
    `dataDir=${dataDir}`,
    `clientPort=${clientPort}`,
    `clientPortAddress=${clientPortAddress}`,
    ...servers,
    '',
  ].join('\n')
}

function hasExited (child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

function exitDescription (child: ChildProcess | undefined): string {
  if (child === undefined) return 'never started'
  return child.signalCode !== null ? `signal ${child.signalCode}` : `exit code ${child.exitCode}`
}

async function logTail (dir: string): Promise<string> {
  try {
    return (await readFile(join(dir, 'zookeeper.log'), 'utf8')).split('\n').slice(-20).join('\n')
  } catch {
    return '(no log)'
  }
}

// Children must not outlive the test process: on exit, and on the signals that would otherwise end
// it without an 'exit' event, SIGKILL every JVM still running and remove the temp dirs. (Nothing runs
// on SIGKILL of the test process: its JVMs then live on until killed by pid.)
const children = new Set<ChildProcess>()
const tempDirs = new Set<string>()
let cleanupInstalled = false

function trackChild (child: ChildProcess, dir: string): void {
  children.add(child)
  tempDirs.add(dir)
  child.once('exit', () => children.delete(child))
  if (cleanupInstalled) return
  cleanupInstalled = true
  process.on('exit', killAll)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAll()
      process.removeListener(signal, onSignal)
      // End the process as the signal would have, unless another module still listens (it decides),
      // but through process.exit so that 'exit' handlers (port reservations ...) run too.
      if (process.listenerCount(signal) === 0) process.exit(128 + constants.signals[signal])
    }
    process.on(signal, onSignal)
  }
}

function killAll (): void {
  for (const child of children) child.kill('SIGKILL')
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
    } catch {
      // a JVM still dying may hold the dir a moment longer; it is under the OS temp dir anyway
    }
  }
}
