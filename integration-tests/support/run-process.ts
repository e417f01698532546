import { spawn } from 'node:child_process'

export interface RunOptions {
  /** Written to stdin, which is then closed. */
  input?: string
  timeoutMs?: number
  env?: NodeJS.ProcessEnv
  cwd?: string
}

export interface RunResult { stdout: string, stderr: string, ms: number }

/**
 * Runs a client program to completion. A non-zero exit, a signal or the deadline (the process is
 * then killed by its PID) throws an error that names the command and carries its stderr, so a
 * failing client test says what the client said.
 */
export async function runProcess (command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const { timeoutMs = 20_000 } = options
  const started = Date.now()
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: options.cwd })
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  child.stdout.on('data', (d: Buffer) => stdout.push(d))
  child.stderr.on('data', (d: Buffer) => stderr.push(d))
  child.stdin.on('error', () => {}) // a client that exits early closes its stdin: the exit code says why
  child.stdin.end(options.input ?? '')
  let timedOut = false
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL') }, timeoutMs)
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (c, s) => resolve([c, s]))
  }).finally(() => clearTimeout(timer))
  const result = { stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString(), ms: Date.now() - started }
  const name = [command, ...args].join(' ')
  if (timedOut) throw new Error(`timed out after ${timeoutMs}ms waiting for ${name} to finish; stderr:\n${tail(result.stderr)}`)
  if (code !== 0) throw new Error(`${name} exited with ${code ?? signal}; stderr:\n${tail(result.stderr)}\nstdout:\n${tail(result.stdout)}`)
  return result
}

/** One JSON value per non-empty line. */
export function parseJsonLines<T> (text: string): T[] {
  return text.split('\n').filter(line => line.trim() !== '').map(line => JSON.parse(line) as T)
}

function tail (text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n')
}
