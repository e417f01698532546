import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'
import { freePort } from './free-port.js'
import type { NamespaceHost } from './network-namespaces.js'

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
export const serverStartScript = join(projectRoot, 'dist/src/cli/kafka-server-start.js')

export type ConfigValues = Record<string, string | number | boolean>

export interface BrokerSpec {
  zkConnect: string
  brokerId: number
  /** Extra keys for the generated server.yaml (Kafka names). */
  config?: ConfigValues
  /** Flags for node itself, before the script (e.g. --cpu-prof, which NODE_OPTIONS refuses). */
  nodeArgs?: string[]
  /** Run on this host of a NamespaceNetwork, listening on its address; default 127.0.0.1 here. */
  host?: NamespaceHost
  /** The PLAINTEXT port; default a free one. A host of its own has every port to itself (9092 on each, as in a deployment). */
  port?: number
  /** Listeners beside PLAINTEXT, by name (SSL, SASL_PLAINTEXT, SASL_SSL: the default protocol map's), each on a free port. */
  extraListeners?: readonly string[]
}

/**
 * One real broker process with a generated config on a free port in its own temp dir. `start`
 * resolves once the broker logged 'started'; kill/stop/restart act on the PID; `cleanup` removes
 * everything. Output lines are kept (JSON logs) for assertions and for failure messages.
 */
export class BrokerProcess {
  readonly lines: string[] = []
  child?: ChildProcess
  private exited?: Promise<number | null>

  private constructor (readonly spec: BrokerSpec, readonly port: number, readonly dir: string, readonly configFile: string, private readonly listenerPorts: ReadonlyMap<string, number>) {}

  static async create (spec: BrokerSpec): Promise<BrokerProcess> {
    const port = spec.port ?? await freePort()
    const listenerPorts = new Map<string, number>([['PLAINTEXT', port]])
    for (const name of spec.extraListeners ?? []) listenerPorts.set(name, await freePort())
    const dir = mkdtempSync(join(tmpdir(), `broker-${spec.brokerId}-`))
    const configFile = join(dir, 'server.yaml')
    const config: ConfigValues = {
      'broker.id': spec.brokerId,
      listeners: [...listenerPorts].map(([name, p]) => `${name}://${spec.host?.address ?? '127.0.0.1'}:${p}`).join(','),
      'log.dirs': join(dir, 'data'),
      'zookeeper.connect': spec.zkConnect,
      'zookeeper.session.timeout.ms': 6000,
      'group.initial.rebalance.delay.ms': 0,
      'logger.format': 'json',
      'logger.dir': join(dir, 'logs'),
      ...spec.config,
    }
    writeFileSync(configFile, stringify(config))
    return new BrokerProcess(spec, port, dir, configFile, listenerPorts)
  }

  static async start (spec: BrokerSpec): Promise<BrokerProcess> {
    const broker = await BrokerProcess.create(spec)
    await broker.start()
    return broker
  }

  get pid (): number | undefined { return this.child?.pid }
  get bootstrap (): string { return `${this.spec.host?.address ?? '127.0.0.1'}:${this.port}` }
  /** host:port of one of the listeners (PLAINTEXT, or one of extraListeners). */
  bootstrapFor (listenerName: string): string {
    const port = this.listenerPorts.get(listenerName)
    if (port === undefined) throw new Error(`broker ${this.spec.brokerId} has no listener ${listenerName}`)
    return `${this.spec.host?.address ?? '127.0.0.1'}:${port}`
  }
  get running (): boolean { return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null }

  /** Starts (or restarts, with the same config and data) and waits for the 'started' log line. */
  async start (timeoutMs = 30_000): Promise<void> {
    const [executable, ...args] = [...this.spec.host?.commandPrefix ?? [], process.execPath, ...this.spec.nodeArgs ?? [], serverStartScript, this.configFile]
    const child = spawn(executable!, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    this.child = child
    // 'close' comes after the output streams end, so a failure message carries the last lines.
    this.exited = new Promise(resolve => child.once('close', code => resolve(code)))
    const started = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`broker ${this.spec.brokerId} did not log 'started' within ${timeoutMs} ms:\n${this.tail()}`)), timeoutMs)
      const onLine = (line: string): void => {
        this.lines.push(line)
        if (line.includes('"message":"started"')) { clearTimeout(timer); resolve() }
      }
      splitLines(child.stdout, onLine)
      splitLines(child.stderr, onLine)
      void this.exited?.then(code => { clearTimeout(timer); reject(new Error(`broker ${this.spec.brokerId} exited with ${code} during start-up:\n${this.tail()}`)) })
    })
    await started
  }

  /** kill -9 (or another signal) and wait for the process to be gone. */
  async kill (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return
    this.child?.kill(signal)
    await this.exited
  }

  /** SIGTERM and the exit code. */
  async stop (): Promise<number | null> {
    if (!this.running) return this.child?.exitCode ?? null
    this.child?.kill('SIGTERM')
    return (await this.exited) ?? null
  }

  async cleanup (): Promise<void> {
    await this.kill()
    rmSync(this.dir, { recursive: true, force: true })
  }

  tail (n = 30): string {
    return this.lines.slice(-n).join('\n')
  }
}

/** Runs kafka-server-start to completion (for start-up failures): exit code and output. */
export async function runServerStart (args: readonly string[], timeoutMs = 30_000): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, [serverStartScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const code = await new Promise<number | null>(resolve => child.once('exit', c => resolve(c)))
  clearTimeout(timer)
  return { code, stdout, stderr }
}

function splitLines (stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  let rest = ''
  stream?.on('data', (d: Buffer) => {
    const parts = (rest + d.toString()).split('\n')
    rest = parts.pop() ?? ''
    for (const p of parts) onLine(p)
  })
}
