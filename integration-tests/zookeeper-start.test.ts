import { execFile, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { constants, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { createInterface } from 'node:readline'
import { describe, it, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { freePortBlock } from './support/free-port.js'
import { waitFor, waitForEvent } from './support/wait-for.js'
import { fourLetterWord } from '../src/cluster/four-letter-words.js'
import { startZooKeeper } from './support/zookeeper.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const START = join(ROOT, 'bin', 'zookeeper-start')
const STOP = join(ROOT, 'bin', 'zookeeper-stop')
const ENSURE = join(ROOT, 'zk', 'ensure-zookeeper.sh')
const SCRIPT_TIMEOUT_MS = 90_000

describe('bin/zookeeper-start and bin/zookeeper-stop', () => {
  it('start one node that answers srvr, prints its connect string, says when it already runs; stop ends its pid', { timeout: 120_000 }, async (t) => {
    const env = await scriptEnv(t, 1)
    const started = await run(START, [], env)
    assert.equal(started.code, 0, started.stderr)
    assert.equal(started.stdout, `127.0.0.1:${env.ZK_CLIENT_PORT}\n`)
    assert.match(await fourLetterWord('127.0.0.1', Number(env.ZK_CLIENT_PORT), 'srvr'), /^Mode: standalone$/m)
    const pid = await pidOf(env, 'standalone/node-1')
    assert.ok(isAlive(pid), `pid ${pid} from the pid file is not running`)

    const again = await run(START, [], env)
    assert.equal(again.code, 0, again.stderr)
    assert.equal(again.stdout, started.stdout)
    assert.match(again.stderr, new RegExp(`already running: node 1 \\(pid ${pid}\\)`))

    const stopped = await run(STOP, [], env)
    assert.equal(stopped.code, 0, stopped.stderr)
    assert.match(stopped.stdout, new RegExp(`stopped ZooKeeper standalone node-1 \\(pid ${pid}\\)`))
    assert.equal(isAlive(pid), false, `pid ${pid} still runs after zookeeper-stop`)
    await assert.rejects(fourLetterWord('127.0.0.1', Number(env.ZK_CLIENT_PORT), 'ruok'), { code: 'ECONNREFUSED' })

    const nothing = await run(STOP, [], env)
    assert.equal(nothing.code, 0, nothing.stderr)
    assert.match(nothing.stderr, /no ZooKeeper started by bin\/zookeeper-start is running/)
  })

  it('--ensemble 3 starts three nodes, one of them leader, and stop ends all three', { timeout: 120_000 }, async (t) => {
    const env = await scriptEnv(t, 9)
    const base = Number(env.ZK_CLIENT_PORT)
    const started = await run(START, ['--ensemble', '3', '--base-port', String(base)], env)
    assert.equal(started.code, 0, started.stderr)
    assert.equal(started.stdout, `127.0.0.1:${base},127.0.0.1:${base + 1},127.0.0.1:${base + 2}\n`)
    const modes = await Promise.all([0, 1, 2].map(async (i) =>
      /^Mode: (\w+)$/m.exec(await fourLetterWord('127.0.0.1', base + i, 'srvr'))?.[1]))
    assert.deepEqual([...modes].sort(), ['follower', 'follower', 'leader'])
    const myid = await readFile(join(env.ZK_STATE_DIR, 'ensemble/node-2/data/myid'), 'utf8')
    assert.equal(myid.trim(), '2')

    const pids = await Promise.all([1, 2, 3].map((id) => pidOf(env, `ensemble/node-${id}`)))
    const stopped = await run(STOP, [], env)
    assert.equal(stopped.code, 0, stopped.stderr)
    assert.equal(stopped.stdout.trim().split('\n').length, 3, stopped.stdout)
    for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} still runs after zookeeper-stop`)
  })

  it('refuses, naming the port, when something else holds the client port', { timeout: 60_000 }, async (t) => {
    const env = await scriptEnv(t, 1)
    const squatter = createServer()
    await new Promise<void>((resolve) => squatter.listen(Number(env.ZK_CLIENT_PORT), '127.0.0.1', resolve))
    t.after(() => { squatter.close() })
    const result = await run(START, [], env)
    assert.notEqual(result.code, 0)
    assert.match(result.stderr, new RegExp(`port ${env.ZK_CLIENT_PORT} on 127.0.0.1 is already in use`))
    assert.equal(result.stdout, '')
  })

  it('an unknown flag exits non-zero and names the flag', async () => {
    for (const script of [START, STOP]) {
      const result = await run(script, ['--bogus'], process.env)
      assert.notEqual(result.code, 0)
      assert.match(result.stderr, /unknown option: --bogus/)
      assert.equal(result.stdout, '')
    }
    const badEnsemble = await run(START, ['--ensemble', '2'], process.env)
    assert.notEqual(badEnsemble.code, 0)
    assert.match(badEnsemble.stderr, /--ensemble must be 1 or 3, got: 2/)
  })

  it('--help describes the flags and exits 0', async () => {
    const help = await run(START, ['--help'], process.env)
    assert.equal(help.code, 0)
    for (const flag of ['--ensemble', '--base-port', '--foreground', 'ZK_STATE_DIR']) assert.match(help.stdout, new RegExp(flag))
  })
})

describe('zk/ensure-zookeeper.sh', () => {
  it('--print-command prints java, a class path with zookeeper and the main class', async () => {
    const result = await run(ENSURE, ['--print-command', '--no-install'], process.env)
    assert.equal(result.code, 0, result.stderr)
    const args = result.stdout.trim().split('\n')
    assert.match(args[0]!, /java$/)
    assert.match(args[args.indexOf('-cp') + 1]!, /zookeeper/)
    assert.equal(args.at(-1), 'org.apache.zookeeper.server.quorum.QuorumPeerMain')
  })

  it('an empty ZOOKEEPER_HOME is an error that names it', async (t) => {
    const empty = await mkdtemp(join(tmpdir(), 'zk-home-'))
    t.after(() => rm(empty, { recursive: true, force: true }))
    const result = await run(ENSURE, ['--no-install'], { ...process.env, ZOOKEEPER_HOME: empty })
    assert.notEqual(result.code, 0)
    assert.match(result.stderr, new RegExp(`ZOOKEEPER_HOME=${empty} holds no zookeeper`))
  })
})

describe('support/zookeeper.ts', () => {
  it('startZooKeeper() serves srvr and ruok; stop() ends its pid', { timeout: 120_000 }, async (t) => {
    const zk = await startZooKeeper()
    t.after(() => zk.stop())
    const node = zk.nodes[0]!
    assert.equal(zk.connectString.split(',')[0], `${node.host}:${node.clientPort}`)
    assert.equal(await fourLetterWord(node.host, node.clientPort, 'ruok'), 'imok')
    if (zk.external) {
      t.diagnostic('ZK_CONNECT is set: not checking processes of an external ensemble')
      return
    }
    assert.equal(await zk.mode(0), 'standalone')
    assert.equal(await zk.leaderIndex(), 0)
    const pid = node.pid!
    assert.ok(isAlive(pid))
    await zk.stop()
    assert.equal(isAlive(pid), false, `ZooKeeper pid ${pid} still runs after stop()`)
  })

  it('startZooKeeper({ ensemble: 3 }) elects a new leader when the leader is killed, and the old one rejoins', { timeout: 180_000 }, async (t) => {
    const zk = await startZooKeeper({ ensemble: 3 })
    t.after(() => zk.stop())
    const leader = await zk.leaderIndex()
    if (zk.external) {
      t.skip('killing a node is not supported against external ZK_CONNECT')
      return
    }
    assert.equal(zk.connectString.split(',').length, 3)
    const modes = await Promise.all(zk.nodes.map((_, i) => zk.mode(i)))
    assert.deepEqual([...modes].sort(), ['follower', 'follower', 'leader'])
    assert.equal(modes[leader], 'leader')
    const oldPid = zk.nodes[leader]!.pid!
    await zk.kill(leader)
    assert.equal(isAlive(oldPid), false)
    assert.equal(await zk.mode(leader), 'down')

    const newLeader = await zk.leaderIndex({ timeoutMs: 30_000 })
    assert.notEqual(newLeader, leader)

    await zk.restart(leader)
    assert.notEqual(zk.nodes[leader]!.pid, oldPid)
    assert.equal(await zk.mode(leader), 'follower')
  })

  it('kills its ZooKeeper when the test process is terminated', { timeout: 120_000 }, async (t) => {
    if (process.env['ZK_CONNECT']) {
      t.skip('ZK_CONNECT is set: startZooKeeper() starts no process to kill')
      return
    }
    const support = new URL('./support/zookeeper.js', import.meta.url).href
    const holder = spawn(process.execPath, ['--input-type=module', '-e', `
      const { startZooKeeper } = await import(${JSON.stringify(support)})
      const zk = await startZooKeeper()
      console.log(JSON.stringify({ pid: zk.nodes[0].pid }))
      setInterval(() => {}, 1000)
    `], { stdio: ['ignore', 'pipe', 'inherit'] })
    t.after(() => { holder.kill('SIGKILL') })
    const [line] = await Promise.race([
      waitForEvent(createInterface({ input: holder.stdout! }), 'line', 'the holder process to start ZooKeeper', { timeoutMs: 60_000 }),
      waitForEvent(holder, 'exit', 'the holder process', { timeoutMs: 60_000 }).then(([code]) => {
        throw new Error(`the holder process exited (code ${String(code)}) before starting ZooKeeper`)
      }),
    ])
    const { pid } = JSON.parse(String(line)) as { pid: number }
    t.after(() => { if (isAlive(pid)) process.kill(pid, 'SIGKILL') })
    assert.ok(isAlive(pid))

    const exited = waitForEvent(holder, 'exit', 'the holder process to exit on SIGTERM')
    holder.kill('SIGTERM')
    const [code] = await exited
    assert.equal(code, 128 + constants.signals.SIGTERM)
    await waitFor(() => !isAlive(pid), `ZooKeeper pid ${pid} to die with the process that started it`)
  })
})

interface ScriptEnv extends NodeJS.ProcessEnv {
  ZK_STATE_DIR: string
  ZK_CLIENT_PORT: string
}

/** A temp state dir and a free block of `ports` ports for bin/zookeeper-start; stops what runs there after the test. */
async function scriptEnv (t: TestContext, ports: number): Promise<ScriptEnv> {
  const stateDir = await mkdtemp(join(tmpdir(), 'zk-state-'))
  const env: ScriptEnv = { ...process.env, ZK_STATE_DIR: stateDir, ZK_CLIENT_PORT: String(await freePortBlock(ports)) }
  t.after(async () => {
    // By pid, whatever the test got to: zookeeper-stop may be what failed.
    for (const node of ['standalone/node-1', 'ensemble/node-1', 'ensemble/node-2', 'ensemble/node-3']) {
      const pid = await pidOf(env, node).catch(() => undefined)
      if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL')
    }
    await rm(stateDir, { recursive: true, force: true })
  })
  return env
}

async function pidOf (env: ScriptEnv, node: string): Promise<number> {
  return Number((await readFile(join(env.ZK_STATE_DIR, node, 'zookeeper.pid'), 'utf8')).trim())
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw error
  }
}

interface RunResult { code: number; stdout: string; stderr: string }

function run (file: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: SCRIPT_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(new Error(`${file} ${args.join(' ')} failed to run: ${error.message}\n${stderr}`, { cause: error }))
        return
      }
      resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr })
    })
  })
}
