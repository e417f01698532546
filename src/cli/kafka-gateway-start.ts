import { readFileSync } from 'node:fs'
import { loadConfigFile } from '../config/load.js'
import { ConfigError, UsageError } from '../errors.js'
import { createLogger, type Logger } from '../logger.js'
import { toGatewayConfig } from '../gateway/gateway-config.js'
import { GatewayServer } from '../gateway/gateway-server.js'
import { daemonize, exitAfterLog, exitOnSignals, parseServerArgs } from './server-process.js'

const USAGE = 'USAGE: kafka-gateway-start [-daemon] gateway.yaml [--override property=value]*'

async function main (): Promise<void> {
  let log: Logger | undefined
  try {
    const args = parseServerArgs(process.argv.slice(2), USAGE)
    const config = loadConfigFile(args.configFile, args.overrides, raw => toGatewayConfig(raw, path => readFileSync(path, 'utf8')))
    if (args.daemon) return daemonize(config.values['logger.dir'], 'kafkaGateway.out', 'gateway')
    const v = config.values
    log = createLogger({ level: v['logger.level'], format: v['logger.format'] as 'json' | 'pretty', dir: v['logger.dir'], fileName: 'gateway.log' })
    const gateway = new GatewayServer(config, log.child({ component: 'gateway' }))
    exitOnSignals(log, async () => await gateway.stop())
    const url = await gateway.start()
    process.stdout.write(`Gateway started at ${url} (WebSocket ${url.replace(/^http/, 'ws')}/ws, metrics ${url}/metrics)\n`)
  } catch (err) {
    const known = err instanceof ConfigError || err instanceof UsageError || (err as NodeJS.ErrnoException).code === 'EADDRINUSE'
    const message = known ? (err as Error).message : `fatal error during start-up: ${(err as Error).stack ?? String(err)}`
    log?.error('start-up failed', { error: (err as Error).message })
    process.stderr.write(message + '\n')
    exitAfterLog(log, 1)
  }
}

void main()
