import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { stringify } from 'yaml'
import { projectRoot, type ConfigValues } from './broker.js'
import { Scrape } from '../../src/support/prometheus-scrape.js'

/** The script users run, so the gateway under test has its node flags (KAFKA_HEAP_OPTS) too. */
export const gatewayStartScript = join(projectRoot, 'bin/kafka-gateway-start')

/**
 * A real gateway process (bin/kafka-gateway-start) on a free port, with a generated gateway.yaml
 * in its own temp dir. `start` resolves with its URL once it printed 'Gateway started at'.
 */
export class GatewayProcess {
  readonly lines: string[] = []
  child?: ChildProcess
  url = ''
  private exited?: Promise<number | null>

  private constructor (readonly dir: string, readonly configFile: string, readonly nodeArgs: string[]) {}

  /** `nodeArgs` go to the gateway's node process (e.g. --cpu-prof for benchmarks) through KAFKA_OPTS, as BrokerProcess takes them. */
  static async start (bootstrap: string, config: ConfigValues = {}, options: { nodeArgs?: string[] } = {}): Promise<GatewayProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-'))
    const configFile = join(dir, 'gateway.yaml')
    writeFileSync(configFile, stringify({
      'bootstrap.servers': bootstrap,
      'gateway.listener': 'http://127.0.0.1:0',
      'logger.format': 'json',
      'logger.dir': '',
      ...config,
    }))
    const gateway = new GatewayProcess(dir, configFile, options.nodeArgs ?? [])
    await gateway.start()
    return gateway
  }

  get pid (): number | undefined { return this.child?.pid }
  get wsUrl (): string { return `${this.url.replace(/^http/, 'ws')}/ws` }

  async start (timeoutMs = 20_000): Promise<void> {
    const child = spawn(gatewayStartScript, [this.configFile], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KAFKA_OPTS: this.nodeArgs.join(' ') } })
    this.child = child
    this.exited = new Promise(resolve => child.once('close', code => resolve(code)))
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the gateway did not start within ${timeoutMs} ms:\n${this.tail()}`)), timeoutMs)
      const onLine = (line: string): void => {
        this.lines.push(line)
        const m = /^Gateway started at (\S+)/.exec(line)
        if (m !== null) { this.url = m[1]!; clearTimeout(timer); resolve() }
      }
      for (const stream of [child.stdout, child.stderr]) {
        let rest = ''
        stream.on('data', (chunk: Buffer) => {
          const parts = (rest + chunk.toString('utf8')).split('\n')
          rest = parts.pop() ?? ''
          for (const p of parts) onLine(p)
        })
      }
      void this.exited?.then(code => { clearTimeout(timer); reject(new Error(`the gateway exited with ${code} during start-up:\n${this.tail()}`)) })
    })
  }

  /** SIGTERM and the exit code. */
  async stop (): Promise<number | null> {
    if (this.child === undefined || this.child.exitCode !== null || this.child.signalCode !== null) return this.child?.exitCode ?? null
    this.child.kill('SIGTERM')
    return (await this.exited) ?? null
  }

  async cleanup (): Promise<void> {
    if (this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL')
      await this.exited
    }
    rmSync(this.dir, { recursive: true, force: true })
  }

  tail (n = 30): string { return this.lines.slice(-n).join('\n') }

  /** The gateway's /metrics, parsed: the sum of `name`'s samples whose labels include `labels`. */
  async metric (name: string, labels: Record<string, string> = {}): Promise<number> {
    return (await Scrape.of(`${this.url}/metrics`)).sum(name, labels)
  }
}

export type Frame = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A WebSocket client of the gateway that keeps every frame it receives, so a test can wait for
 * the next frame matching a predicate (bounded, naming what it waits for).
 */
export class GatewayClient {
  readonly frames: Frame[] = []
  private waiters: Array<() => void> = []
  closeCode?: number
  closeReason = ''

  private constructor (readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.frames.push(JSON.parse(data.toString()) as Frame)
      this.notify()
    })
    ws.on('close', (code, reason) => {
      this.closeCode = code
      this.closeReason = reason.toString()
      this.notify()
    })
  }

  static async connect (url: string, options: { protocols?: string[], headers?: Record<string, string> } = {}): Promise<GatewayClient> {
    const ws = new WebSocket(url, options.protocols ?? ['kafka.v1'], { headers: options.headers })
    const client = new GatewayClient(ws)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode ?? 0}`)))
    })
    return client
  }

  send (frame: object): void { this.ws.send(JSON.stringify(frame)) }

  /** The first frame (after `from`) matching `match`; the frames list is left as it is. */
  async next (match: (f: Frame) => boolean, what: string, { timeoutMs = 15_000, from = 0 } = {}): Promise<Frame> {
    return await this.until(() => this.frames.slice(from).find(match), what, timeoutMs)
  }

  /** What `check` gives once it gives something, checked as each frame arrives. */
  private async until<T> (check: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = check()
      if (found !== undefined) return found
      if (this.closeCode !== undefined) throw new Error(`the socket closed (${this.closeCode} ${this.closeReason}) while waiting for ${what}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}; last frames: ${JSON.stringify(this.frames.slice(-3)).slice(0, 600)}`)
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => { clearTimeout(timer); resolve() })
      })
    }
  }

  /** Sends `frame` and waits for the frame answering it (same id or sub, op in `ops`). */
  async request (frame: Frame, ops: string[], what = `an answer to ${String(frame.op)}`): Promise<Frame> {
    const from = this.frames.length
    this.send(frame)
    const same = (f: Frame): boolean => (frame.id !== undefined && f.id === frame.id) || (frame.sub !== undefined && f.sub === frame.sub) || (frame.id === undefined && frame.sub === undefined)
    return await this.next(f => ops.includes(f.op as string) && same(f), what, { from })
  }

  /** Every record delivered on `sub` so far. */
  records (sub: string): Frame[] {
    return this.frames.filter(f => f.op === 'records' && f.sub === sub).flatMap(f => f.records as Frame[])
  }

  async waitForRecords (sub: string, count: number, what: string, timeoutMs = 20_000): Promise<Frame[]> {
    // counted once per frame arrival, not once per frame held (that is quadratic in frames, per arrival)
    return await this.until(() => {
      const records = this.records(sub)
      return records.length >= count ? records : undefined
    }, `${count} records: ${what}`, timeoutMs)
  }

  async close (): Promise<void> {
    if (this.closeCode !== undefined) return
    const closed = new Promise<void>(resolve => this.ws.once('close', () => resolve()))
    this.ws.close()
    await closed
  }

  private notify (): void {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }
}
