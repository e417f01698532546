import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'

/** One host of a NamespaceNetwork: a network namespace of its own with one IPv4 address. */
export interface NamespaceHost {
  readonly name: string
  readonly namespace: string
  /** Reachable from every other host and from the test's own namespace, until a `cut`. */
  readonly address: string
  /** `ip netns exec <namespace>`: a command after it runs on this host; iproute2 execs it in place, so its PID is the command's. */
  readonly commandPrefix: readonly string[]
}

/**
 * Why network namespaces cannot be made here (not root, no iproute2, no permission), or false when
 * they can: tests pass it as their `skip` option.
 */
export async function namespacesUnsupported (): Promise<string | false> {
  if (process.platform !== 'linux') return `network namespaces are Linux only (this is ${process.platform})`
  if (process.getuid?.() !== 0) return 'making network namespaces needs root'
  const probe = `nsnet-probe-${process.pid}`
  try {
    await ip('netns', 'add', probe)
  } catch (err) {
    return `cannot make a network namespace: ${(err as Error).message}`
  }
  await ip('netns', 'del', probe).catch(() => {})
  return false
}

/**
 * A small routed network of Linux network namespaces, made and torn down by a test: one namespace
 * per host, and a router namespace that every host and the test's own namespace (where its clients
 * and its ZooKeeper session run) reach through a veth pair. Addresses come from 10.213.N.0/24, N
 * picked per network: the router is .1, the test's namespace .254, the hosts .10, .11 ... in the
 * order named. No traffic leaves these namespaces.
 *
 * `cut(a, b)` makes the router drop every packet between a and b, both ways, with policy rules of
 * type blackhole: a forwarded packet that hits one vanishes without an ICMP error, so both hosts
 * see a real partition (connects hang, established connections fall silent and retransmit) while
 * each still reaches everyone else. (A bridge would need a per-pair filter, which iproute2 alone
 * cannot make on a kernel without nftables or tc actions; blackhole routes inside the hosts would
 * fail their connects at once with EINVAL, which no partition does.)
 *
 * Use `t.after(() => network.destroy())`.
 */
export class NamespaceNetwork {
  readonly #cuts = new Set<string>()

  private constructor (private readonly router: string, readonly hosts: readonly NamespaceHost[], private readonly namespaces: readonly string[]) {}

  static async create (hostNames: readonly string[]): Promise<NamespaceNetwork> {
    if (hostNames.length === 0 || hostNames.length > 100) throw new RangeError(`a network has 1 to 100 hosts, not ${hostNames.length}`)
    if (new Set(hostNames).size !== hostNames.length) throw new Error(`host names must differ: ${hostNames.join(', ')}`)
    const id = `${process.pid}-${++networksMade}`
    const router = `nsnet-${id}-router`
    // The one name that lives in the test's own namespace: unique per process and network, at most 15 bytes.
    const rootInterface = `nsn${id}`
    const hosts = hostNames.map(name => ({ name, namespace: `nsnet-${id}-${name}`, address: '', commandPrefix: ['ip', 'netns', 'exec', `nsnet-${id}-${name}`] }))
    const namespaces = [router, ...hosts.map(h => h.namespace)]
    live.add(namespaces)
    installExitCleanup()
    try {
      await ip('netns', 'add', router)
      await ip('-n', router, 'link', 'set', 'lo', 'up')
      await ip('netns', 'exec', router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1')
      await ip('link', 'add', 'name', rootInterface, 'type', 'veth', 'peer', 'name', 'root', 'netns', router)
      const subnet = await claimSubnet(rootInterface)
      await ip('-n', router, 'addr', 'add', `${subnet}.1`, 'peer', `${subnet}.254/32`, 'dev', 'root')
      await ip('-n', router, 'link', 'set', 'root', 'up')
      const placed: NamespaceHost[] = []
      for (const [i, host] of hosts.entries()) {
        const address = `${subnet}.${10 + i}`
        const port = `h${i}`
        await ip('netns', 'add', host.namespace)
        await ip('-n', host.namespace, 'link', 'set', 'lo', 'up')
        await ip('link', 'add', 'name', 'eth0', 'netns', host.namespace, 'type', 'veth', 'peer', 'name', port, 'netns', router)
        await ip('-n', router, 'addr', 'add', `${subnet}.1`, 'peer', `${address}/32`, 'dev', port)
        await ip('-n', router, 'link', 'set', port, 'up')
        await ip('-n', host.namespace, 'addr', 'add', `${address}/32`, 'dev', 'eth0')
        await ip('-n', host.namespace, 'link', 'set', 'eth0', 'up')
        await ip('-n', host.namespace, 'route', 'add', `${subnet}.0/24`, 'via', `${subnet}.1`, 'dev', 'eth0', 'onlink', 'src', address)
        placed.push({ ...host, address })
      }
      return new NamespaceNetwork(router, placed, namespaces)
    } catch (err) {
      destroySync(namespaces)
      live.delete(namespaces)
      throw err
    }
  }

  host (name: string): NamespaceHost {
    const host = this.hosts.find(h => h.name === name)
    if (host === undefined) throw new Error(`no host ${name} on this network (hosts: ${this.hosts.map(h => h.name).join(', ')})`)
    return host
  }

  /** Drops every packet between hosts a and b, both ways; each still reaches every other host and the test. */
  async cut (a: string, b: string): Promise<void> {
    const key = this.#pairKey(a, b)
    if (this.#cuts.has(key)) throw new Error(`${a} and ${b} are already cut apart`)
    for (const [from, to] of [[a, b], [b, a]] as const) {
      await ip('-n', this.router, 'rule', 'add', 'from', this.host(from).address, 'to', this.host(to).address, 'blackhole', 'pref', String(this.#preference(from, to)))
    }
    this.#cuts.add(key)
  }

  /** Undoes `cut(a, b)`: packets already dropped stay lost, retransmissions get through. */
  async heal (a: string, b: string): Promise<void> {
    const key = this.#pairKey(a, b)
    if (!this.#cuts.has(key)) throw new Error(`${a} and ${b} are not cut apart`)
    for (const [from, to] of [[a, b], [b, a]] as const) {
      await ip('-n', this.router, 'rule', 'del', 'pref', String(this.#preference(from, to)))
    }
    this.#cuts.delete(key)
  }

  /**
   * SIGKILLs, by PID, every process still running on a host (tests stop theirs first; this catches
   * what a failed test left), then deletes every namespace: their veths go with them, the test's
   * end included. Idempotent.
   */
  async destroy (): Promise<void> {
    if (!live.delete(this.namespaces)) return
    destroySync(this.namespaces)
  }

  #pairKey (a: string, b: string): string {
    this.host(a)
    this.host(b)
    if (a === b) throw new Error(`cannot cut ${a} from itself`)
    return [a, b].sort().join('\u0000')
  }

  /** A rule's preference, unique per direction: 1000 + 100 × from + to, below the main table's 32766. */
  #preference (from: string, to: string): number {
    return 1000 + 100 * this.hosts.findIndex(h => h.name === from) + this.hosts.findIndex(h => h.name === to)
  }
}

const run = promisify(execFile)
let networksMade = 0
/** The namespaces of every network not yet destroyed, for the exit handler. */
const live = new Set<readonly string[]>()
let exitCleanupInstalled = false

async function ip (...args: string[]): Promise<string> {
  try {
    return (await run('ip', args, { timeout: 10_000 })).stdout
  } catch (err) {
    const stderr = ((err as { stderr?: string }).stderr ?? '').trim()
    throw new Error(`ip ${args.join(' ')} failed: ${stderr !== '' ? stderr : (err as Error).message}`, { cause: err })
  }
}

/**
 * A 10.213.N.0/24 no route of this namespace covers yet, claimed by adding its route via the root
 * interface; that add fails for a subnet another network claimed meanwhile, and the next N is tried.
 */
async function claimSubnet (rootInterface: string): Promise<string> {
  for (let attempt = 0; attempt < 250; attempt++) {
    const subnet = `10.213.${(process.pid + networksMade + attempt) % 250 + 1}`
    const covering = (await ip('-4', 'route', 'show', 'match', `${subnet}.0/24`)).split('\n').filter(line => line.trim() !== '' && !line.startsWith('default'))
    if (covering.length > 0) continue
    await ip('addr', 'add', `${subnet}.254/32`, 'dev', rootInterface)
    await ip('link', 'set', rootInterface, 'up')
    try {
      await ip('route', 'add', `${subnet}.0/24`, 'via', `${subnet}.1`, 'dev', rootInterface, 'onlink', 'src', `${subnet}.254`)
      return subnet
    } catch (err) {
      if (!/File exists/.test((err as Error).message)) throw err
      await ip('addr', 'del', `${subnet}.254/32`, 'dev', rootInterface)
    }
  }
  throw new Error('no free 10.213.N.0/24 for a namespace network')
}

/** Synchronous, so that it can also run from the 'exit' handler. */
function destroySync (namespaces: readonly string[]): void {
  for (const namespace of namespaces) {
    let pids: string[] = []
    try {
      pids = execFileSync('ip', ['netns', 'pids', namespace], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(p => p !== '')
    } catch {
      continue // never made, or already gone
    }
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL')
      } catch {
        // exited meanwhile
      }
    }
    try {
      execFileSync('ip', ['netns', 'del', namespace], { stdio: 'ignore' })
    } catch {
      // already gone
    }
  }
}

// A test process that ends without its t.after hooks (an uncaught error, or SIGINT through the
// ZooKeeper support's handlers, which end the process with process.exit) leaves no namespace behind.
function installExitCleanup (): void {
  if (exitCleanupInstalled) return
  exitCleanupInstalled = true
  process.on('exit', () => {
    for (const namespaces of live) destroySync(namespaces)
  })
}
