import { spawn } from 'node:child_process'
import { mkdirSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { loadKafkaConfig } from '../config/load.js'
import { ConfigError, UsageError } from '../errors.js'
import { createLogger, type Logger } from '../logger.js'
import { BrokerIdInUseError } from '../cluster/broker-registration.js'
import { KafkaServer } from '../server/kafka-server.js'

const USAGE = 'USAGE: kafka-server-start [-daemon] server.yaml|server.properties [--override property=value]*'

interface Args { daemon: boolean, configFile: string, overrides: string[] }

export function parseArgs (argv: readonly string[]): Args {
  const args: Args = { daemon: false, configFile: '', overrides: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? ''
    if (a === '-daemon' || a === '--daemon') args.daemon = true
    else if (a === '--override') {
      const value = argv[++i]
      if (value === undefined) throw new UsageError('--override needs a property=value argument')
      args.overrides.push(value)
    } else if (a === '-h' || a === '--help') throw new UsageError(USAGE)
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}\n${USAGE}`)
    else if (args.configFile === '') args.configFile = a
    else throw new UsageError(`unexpected argument ${a}: only one config file\n${USAGE}`)
  }
  if (args.configFile === '') throw new UsageError(USAGE)
  return args
}

async function main (): Promise<void> {
  let log: Logger | undefined
  try {
    const args = parseArgs(process.argv.slice(2))
    const config = loadKafkaConfig(args.configFile, args.overrides)
    if (args.daemon) return daemonize(config.values['logger.dir'])
    const v = config.values
    log = createLogger({ level: v['logger.level'], format: v['logger.format'] as 'json' | 'pretty', dir: v['logger.dir'] })
    const server = new KafkaServer(config, log.child({ component: 'kafka-server' }))
    let stopping = false
    const stop = (signal: string): void => {
      if (stopping) return
      stopping = true
      log?.info('signal received', { signal })
      server.shutdown().then(() => exit(log, 0), (err: unknown) => { log?.error('shutdown failed', { error: String(err) }); exit(log, 1) })
    }
    process.on('SIGTERM', () => stop('SIGTERM'))
    process.on('SIGINT', () => stop('SIGINT'))
    await server.startup()
  } catch (err) {
    const known = err instanceof ConfigError || err instanceof UsageError || err instanceof BrokerIdInUseError
    const message = known ? (err as Error).message : `fatal error during start-up: ${(err as Error).stack ?? String(err)}`
    log?.error('start-up failed', { error: (err as Error).message })
    process.stderr.write(message + '\n')
    exit(log, 1)
  }
}

/** -daemon as in Kafka: the same command detached, its output in <logger.dir>/kafkaServer.out. */
function daemonize (logDir: string): void {
  const dir = logDir === '' ? 'logs' : logDir
  mkdirSync(dir, { recursive: true })
  const out = openSync(join(dir, 'kafkaServer.out'), 'a')
  const argv = process.argv.slice(2).filter(a => a !== '-daemon' && a !== '--daemon')
  const child = spawn(process.execPath, [process.argv[1] ?? '', ...argv], { detached: true, stdio: ['ignore', out, out] })
  child.unref()
  process.stdout.write(`started broker in the background (pid ${child.pid ?? '?'}); output in ${join(dir, 'kafkaServer.out')}\n`)
}

/**
 * Lets winston flush its file before the process ends. A component still finishing may log after
 * the end (a controller event failing on the closed ZooKeeper session): its line is lost, and its
 * "write after end" error (emitted on the root, which child loggers share) must not turn a clean
 * exit into a crash with exit code 1.
 */
function exit (log: Logger | undefined, code: number): void {
  if (log === undefined) process.exit(code)
  const force = setTimeout(() => process.exit(code), 2000)
  force.unref()
  log.on('error', () => {})
  log.on('finish', () => process.exit(code))
  log.end()
}

void main()
