import type { ErrorCode } from './protocol/error-codes.js'

/** A problem in a user's configuration: names the key and the bad value. */
export class ConfigError extends Error {
  constructor (readonly problems: string[]) {
    super(problems.join('\n'))
    this.name = 'ConfigError'
  }
}

/** A bad or missing command-line flag: names the flag. */
export class UsageError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/**
 * A failure of a whole request, carrying the Kafka error code to answer with. The dispatcher
 * catches it and replies with the code; per-partition outcomes are values, not KafkaErrors.
 */
export class KafkaError extends Error {
  constructor (readonly code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'KafkaError'
  }
}
