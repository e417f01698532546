/**
 * What the long-running processes (a broker, a gateway) share from the command line: Kafka's
 * `[-daemon] config-file [--override key=value]*` arguments, -daemon's detached restart with its
 * output in a file, and an exit that lets winston flush first.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { UsageError } from '../errors.js'
import type { Logger } from '../logger.js'

export interface ServerArgs { daemon: boolean, configFile: string, overrides: string[] }

export function parseServerArgs (argv: readonly string[], usage: string): ServerArgs {
  const args: ServerArgs = { daemon: false, configFile: '', overrides: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? ''
    if (a === '-daemon' || a === '--daemon') args.daemon = true
    else if (a === '--override') {
      const value = argv[++i]
      if (value === undefined) throw new UsageError('--override needs a property=value argument')
      args.overrides.push(value)
    } else if (a === '-h' || a === '--help') throw new UsageError(usage)
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}\n${usage}`)
    else if (args.configFile === '') args.configFile = a
    else throw new UsageError(`unexpected argument ${a}: only one config file\n${usage}`)
  }
  if (args.configFile === '') throw new UsageError(usage)
  return args
}

/** -daemon as in Kafka: the same command detached, its output in <logDir>/<outFile>. */
export function daemonize (logDir: string, outFile: string, what: string): void {
  const dir = logDir === '' ? 'logs' : logDir
  mkdirSync(dir, { recursive: true })
  const out = openSync(join(dir, outFile), 'a')
  const argv = process.argv.slice(2).filter(a => a !== '-daemon' && a !== '--daemon')
  // node's own flags too (KAFKA_HEAP_OPTS, KAFKA_OPTS from the bin/ scripts), which process.argv does not hold
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1] ?? '', ...argv], { detached: true, stdio: ['ignore', out, out] })
  child.unref()
  process.stdout.write(`started ${what} in the background (pid ${child.pid ?? '?'}); output in ${join(dir, outFile)}\n`)
}

/**
 * Lets winston flush its file before the process ends. A component still finishing may log after
 * the end (a controller event failing on the closed ZooKeeper session): its line is lost, and its
 * "write after end" error (emitted on the root, which child loggers share) must not turn a clean
 * exit into a crash with exit code 1.
 */
export function exitAfterLog (log: Logger | undefined, code: number): void {
  if (log === undefined) process.exit(code)
  const force = setTimeout(() => process.exit(code), 2000)
  force.unref()
  log.on('error', () => {})
  log.on('finish', () => process.exit(code))
  log.end()
}

/** SIGTERM and SIGINT run `shutdown` once, then exit 0 (1 if it failed). */
export function exitOnSignals (log: Logger, shutdown: () => Promise<void>): void {
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    log.info('signal received', { signal })
    shutdown().then(() => exitAfterLog(log, 0), (err: unknown) => { log.error('shutdown failed', { error: String(err) }); exitAfterLog(log, 1) })
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}
