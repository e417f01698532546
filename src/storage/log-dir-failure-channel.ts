/**
 * Log dirs that failed (Kafka's LogDirFailureChannel): the first I/O error in a log dir (ENOSPC,
 * EIO, EROFS ...) takes it offline for the life of the process, and 'offline' (logDir) tells the
 * ReplicaManager, which stops serving and replicating every partition in it and tells the
 * controller. A restart with the dir repaired brings it back.
 */
import { EventEmitter } from 'node:events'
import type { Logger } from '../logger.js'

export class LogDirFailureChannel extends EventEmitter {
  private readonly offline = new Set<string>()

  constructor (private readonly logger: Logger) {
    super()
  }

  get offlineLogDirs (): string[] { return [...this.offline] }

  hasOfflineLogDir (logDir: string): boolean { return this.offline.has(logDir) }

  /** Takes logDir offline, once: later failures in the same dir are the same failure. */
  maybeAddOfflineLogDir (logDir: string, action: string, err: unknown): void {
    if (this.offline.has(logDir)) return
    this.offline.add(logDir)
    this.logger.error('log dir failed; taking it offline', { logDir, action, error: (err as Error).message })
    this.emit('offline', logDir)
  }
}

/** A failed system call on the file system (Kafka's IOException), as opposed to a bug. */
export function isIoError (err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string'
}
