import { loadKafkaConfig } from '../config/load.js'
import { ConfigError, UsageError } from '../errors.js'
import { createLogger, type Logger } from '../logger.js'
import { BrokerIdInUseError } from '../cluster/broker-registration.js'
import { KafkaServer } from '../server/kafka-server.js'
import { daemonize, exitAfterLog, exitOnSignals, parseServerArgs } from './server-process.js'
import { setBrokerHeapGrowth } from './heap-growth.js'

const USAGE = 'USAGE: kafka-server-start [-daemon] server.yaml|server.properties [--override property=value]*'

async function main (): Promise<void> {
  let log: Logger | undefined
  try {
    const args = parseServerArgs(process.argv.slice(2), USAGE)
    const config = loadKafkaConfig(args.configFile, args.overrides)
    if (args.daemon) return daemonize(config.values['logger.dir'], 'kafkaServer.out', 'broker')
    setBrokerHeapGrowth()
    const v = config.values
    log = createLogger({ level: v['logger.level'], format: v['logger.format'] as 'json' | 'pretty', dir: v['logger.dir'] })
    const server = new KafkaServer(config, log.child({ component: 'kafka-server' }))
    exitOnSignals(log, async () => await server.shutdown())
    await server.startup()
  } catch (err) {
    const known = err instanceof ConfigError || err instanceof UsageError || err instanceof BrokerIdInUseError
    const message = known ? (err as Error).message : `fatal error during start-up: ${(err as Error).stack ?? String(err)}`
    log?.error('start-up failed', { error: (err as Error).message })
    process.stderr.write(message + '\n')
    exitAfterLog(log, 1)
  }
}

void main()
