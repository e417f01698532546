/**
 * zookeeper-shell: look at the cluster's znodes as Kafka's zookeeper-shell (ZooKeeperMain) shows
 * them. `zookeeper-shell localhost:2181 ls /brokers/ids` runs one command and exits (1 if it
 * failed); without a command it reads commands from stdin with ZooKeeper's prompt. Read-only: ls
 * [-s] [-R], get [-s], stat. It talks to ZooKeeper through node-zookeeper-client directly (not
 * ZkSession), because stat needs the whole Stat and a shell must not create a missing chroot.
 */
import { createInterface } from 'node:readline'
import zookeeper from 'node-zookeeper-client'
import { UsageError } from '../errors.js'
import { isMain, runTool, type ToolSpec } from './flags.js'

export const tool: ToolSpec = {
  name: 'zookeeper-shell',
  summary: 'USAGE: zookeeper-shell zookeeper_host:port[/path] [-timeout ms] [command args...]\n' +
    'Commands: ls [-s] [-R] path, get [-s] path, stat path, help, quit. Without a command, reads commands from stdin.',
  flags: [],
}

const COMMANDS = 'ZooKeeper -server host:port cmd args\n\tget [-s] path\n\tls [-s] [-R] path\n\tstat path\n\thelp\n\tquit\n'

export async function main (argv: string[]): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${tool.summary}\n`)
    return argv.length === 0 ? 1 : 0
  }
  const server = argv[0]!
  if (server.startsWith('-')) throw new UsageError(`${server} is not a recognized option; the first argument is the ZooKeeper server (host:port[/path])`)
  let timeoutMs = 10_000
  let i = 1
  while (argv[i]?.startsWith('-') === true) {
    const flag = argv[i]!
    if (flag !== '-timeout') throw new UsageError(`${flag} is not a recognized option`)
    timeoutMs = Number(argv[i + 1])
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`Option -timeout requires a positive number of milliseconds, got '${argv[i + 1] ?? ''}'`)
    i += 2
  }
  const command = argv.slice(i)
  process.stderr.write(`Connecting to ${server}\n`)
  const client = await connect(server, timeoutMs)
  try {
    if (command.length > 0) return await run(client, command) ? 0 : 1
    return await interactive(client, server)
  } finally {
    client.close()
  }
}

async function interactive (client: zookeeper.Client, server: string): Promise<number> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY })
  let n = 0
  const prompt = (): void => { rl.setPrompt(`[zk: ${server}(CONNECTED) ${n++}] `); rl.prompt() }
  prompt()
  for await (const line of rl) {
    const words = line.trim().split(/\s+/).filter(w => w !== '')
    if (words[0] === 'quit' || words[0] === 'exit') break
    if (words.length > 0) await run(client, words)
    prompt()
  }
  rl.close()
  return 0
}

/** Runs one command, printing results to stdout and problems to stderr; false if it failed. */
async function run (client: zookeeper.Client, words: string[]): Promise<boolean> {
  const [cmd, ...rest] = words
  const options = new Set(rest.filter(w => w.startsWith('-')))
  const path = rest.find(w => !w.startsWith('-'))
  if (cmd === 'help') {
    process.stdout.write(COMMANDS)
    return true
  }
  if (!['ls', 'get', 'stat'].includes(cmd ?? '') || path === undefined) {
    process.stderr.write(cmd === undefined || !['ls', 'get', 'stat'].includes(cmd) ? `unknown command: ${cmd ?? ''}\n${COMMANDS}` : `${cmd}: a path is required\n`)
    return false
  }
  if (!path.startsWith('/')) {
    process.stderr.write(`Path must start with / character\n`)
    return false
  }
  try {
    if (cmd === 'ls') {
      if (options.has('-R')) {
        for (const p of await walk(client, path)) process.stdout.write(p + '\n')
        return true
      }
      const [children, stat] = await call2<string[], zookeeper.Stat>(cb => client.getChildren(path, cb))
      process.stdout.write(`[${children.sort().join(', ')}]\n`)
      if (options.has('-s')) process.stdout.write(formatStat(stat))
    } else if (cmd === 'get') {
      const [data, stat] = await call2<Buffer | undefined, zookeeper.Stat>(cb => client.getData(path, cb))
      process.stdout.write(`${data === undefined || data === null ? 'null' : data.toString('utf8')}\n`)
      if (options.has('-s')) process.stdout.write(formatStat(stat))
    } else {
      const [stat] = await call2<zookeeper.Stat, undefined>(cb => client.exists(path, (err, s) => cb(err, s, undefined)))
      if (stat === null || stat === undefined) throw Object.assign(new Error('no node'), { noNode: true })
      process.stdout.write(formatStat(stat))
    }
    return true
  } catch (err) {
    const noNode = (err as { noNode?: boolean }).noNode === true || (err instanceof zookeeper.Exception && err.getCode() === zookeeper.Exception.NO_NODE)
    process.stderr.write(noNode ? `Node does not exist: ${path}\n` : `${(err as Error).message}\n`)
    return false
  }
}

async function walk (client: zookeeper.Client, path: string): Promise<string[]> {
  const [children] = await call2<string[], zookeeper.Stat>(cb => client.getChildren(path, cb))
  const out = [path]
  for (const c of children.sort()) out.push(...await walk(client, path === '/' ? `/${c}` : `${path}/${c}`))
  return out
}

/** ZooKeeper's Stat as zkCli prints it. */
function formatStat (s: zookeeper.Stat): string {
  const hex = (b: Buffer): string => '0x' + (b.readBigUInt64BE(0).toString(16))
  const time = (b: Buffer): string => new Date(Number(b.readBigUInt64BE(0))).toString()
  return [
    `cZxid = ${hex(s.czxid)}`, `ctime = ${time(s.ctime)}`, `mZxid = ${hex(s.mzxid)}`, `mtime = ${time(s.mtime)}`,
    `pZxid = ${hex(s.pzxid)}`, `cversion = ${s.cversion}`, `dataVersion = ${s.version}`, `aclVersion = ${s.aversion}`,
    `ephemeralOwner = ${hex(s.ephemeralOwner)}`, `dataLength = ${s.dataLength}`, `numChildren = ${s.numChildren}`,
  ].join('\n') + '\n'
}

async function connect (server: string, timeoutMs: number): Promise<zookeeper.Client> {
  const client = zookeeper.createClient(server, { sessionTimeout: Math.max(timeoutMs, 4000), spinDelay: 200, retries: 0 })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.close()
      reject(new Error(`could not connect to ZooKeeper at ${server} within ${timeoutMs} ms`))
    }, timeoutMs)
    client.once('connected', () => { clearTimeout(timer); resolve() })
    client.connect()
  })
  return client
}

async function call2<A, B> (run: (cb: (err: Error | zookeeper.Exception | null, a: A, b: B) => void) => void): Promise<[A, B]> {
  return await new Promise((resolve, reject) => run((err, a, b) => err !== null && err !== undefined ? reject(err) : resolve([a, b])))
}

if (isMain(import.meta.url)) runTool(tool, main)
