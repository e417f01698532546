import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { projectRoot } from './broker.js'

export interface ToolResult { code: number | null, stdout: string, stderr: string, ms: number }

/**
 * Runs one of our bin/ tools to its end and returns exit code and output, whatever the code (the
 * tests of failure paths need the non-zero ones). Killed by PID at the deadline, which then fails
 * the test with the tool's output so far.
 */
export async function runTool (tool: string, args: readonly string[], options: { input?: string, timeoutMs?: number } = {}): Promise<ToolResult> {
  const { timeoutMs = 20_000 } = options
  const started = Date.now()
  const child = startTool(tool, args)
  const out = collect(child)
  child.stdin!.on('error', () => {})
  child.stdin!.end(options.input ?? '')
  let timedOut = false
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL') }, timeoutMs)
  const code = await new Promise<number | null>(resolve => child.once('close', c => resolve(c))).finally(() => clearTimeout(timer))
  const result = { code, stdout: out.stdout(), stderr: out.stderr(), ms: Date.now() - started }
  if (timedOut) throw new Error(`timed out after ${timeoutMs}ms waiting for ${tool} ${args.join(' ')}; stdout:\n${result.stdout}\nstderr:\n${result.stderr}`)
  return result
}

/** Starts a tool and leaves it running (for Ctrl-C tests); the caller kills or awaits it. */
export function startTool (tool: string, args: readonly string[]): ChildProcess {
  return spawn(join(projectRoot, 'bin', tool), args, { stdio: ['pipe', 'pipe', 'pipe'] })
}

export function collect (child: ChildProcess): { stdout: () => string, stderr: () => string } {
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  child.stdout!.on('data', (d: Buffer) => stdout.push(d))
  child.stderr!.on('data', (d: Buffer) => stderr.push(d))
  return { stdout: () => Buffer.concat(stdout).toString(), stderr: () => Buffer.concat(stderr).toString() }
}
