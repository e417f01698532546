import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import winston from 'winston'

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

/** The one winston root of a process; components take `root.child({ component })` and keep it. */
export function createLogger (options: LoggerOptions): Logger {
  const json = winston.format.combine(winston.format.timestamp(), winston.format.json())
  const pretty = winston.format.combine(
    winston.format.timestamp(),
    winston.format.printf(({ timestamp, level, message, component, ...fields }) => {
      const rest = Object.keys(fields).length > 0 ? ' ' + JSON.stringify(fields) : ''
      return `[${String(timestamp)}] ${level.toUpperCase()} ${component !== undefined ? `[${String(component)}] ` : ''}${String(message)}${rest}`
    }),
  )
  const transports: winston.transport[] = [new winston.transports.Console({ format: options.format === 'json' ? json : pretty })]
  if (options.dir !== '') {
    mkdirSync(options.dir, { recursive: true })
    transports.push(new winston.transports.File({ filename: join(options.dir, options.fileName ?? 'server.log'), format: json }))
  }
  return winston.createLogger({ level: options.level, defaultMeta: options.defaultMeta, transports })
}

/** A logger that drops everything: for unit tests of components that take one. */
export function silentLogger (): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] })
}
