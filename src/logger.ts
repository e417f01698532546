import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import winston from 'winston'
import TransportStream from 'winston-transport'

export type Logger = winston.Logger

export interface LoggerOptions {
  level: string
  format: 'json' | 'pretty'
  /** Directory for the log file; '' logs to stdout only. */
  dir: string
  /** server.log unless given (the gateway writes gateway.log beside it). */
  fileName?: string
  /** Fields on every line, e.g. { brokerId: 1 }. */
  defaultMeta?: Record<string, unknown>
}

/** Where logform's formats leave the finished line (triple-beam's MESSAGE). */
const MESSAGE = Symbol.for('message')

/**
 * The log file, appended to line by line as each is logged, as log4j's FileAppender does for
 * Kafka (immediateFlush): winston's File transport writes asynchronously, and while a burst of
 * lines (several per partition when thousands are created) waits for it, the logger queues every
 * line's object, which outlives the young generation and is left as garbage in the old one (48 MiB
 * of it while one broker created 3,000 partitions). A line written before a crash is in the file.
 * A failed write ends this transport with an error, as a failed stream ended winston's.
 */
class FileAppender extends TransportStream {
  /** undefined once closed: the number may already name another file (a segment) by then. */
  private fd?: number

  constructor (path: string) {
    super()
    this.fd = openSync(path, 'a')
  }

  override log (info: Record<symbol, string>, done: (err?: Error) => void): void {
    if (this.fd === undefined) return done()
    try {
      writeSync(this.fd, `${info[MESSAGE]}\n`)
    } catch (err) {
      done(err as Error)
      return
    }
    done()
  }

  override close (): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }
}

/**
 * The one winston root of a process; components take `root.child({ component })` and keep it.
 * Each line is formatted once, as JSON, for every transport (pretty output reformats it for the console).
 */
export function createLogger (options: LoggerOptions): Logger {
  const pretty = winston.format.printf(({ timestamp, level, message, component, ...fields }) => {
    const rest = Object.keys(fields).length > 0 ? ' ' + JSON.stringify(fields) : ''
    return `[${String(timestamp)}] ${level.toUpperCase()} ${component !== undefined ? `[${String(component)}] ` : ''}${String(message)}${rest}`
  })
  const transports: winston.transport[] = [new winston.transports.Console(options.format === 'pretty' ? { format: pretty } : {})]
  if (options.dir !== '') {
    mkdirSync(options.dir, { recursive: true })
    transports.push(new FileAppender(join(options.dir, options.fileName ?? 'server.log')))
  }
  return winston.createLogger({ level: options.level, defaultMeta: options.defaultMeta, format: winston.format.combine(winston.format.timestamp(), winston.format.json()), transports })
}

/** A logger that drops everything: for unit tests of components that take one. */
export function silentLogger (): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] })
}
