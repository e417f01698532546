/**
 * Replaces a small file so that a crash leaves the old content or the new, never a mix or nothing
 * (Kafka's CheckpointFile with Utils.atomicMoveWithFallback): `<path>.tmp` is written and fsynced,
 * renamed over `path`, and the directory is fsynced so that the rename itself survives a crash.
 * Every checkpoint, `meta.properties` and `partition.metadata` is written this way. A failed write
 * (ENOSPC) leaves the old file as it was and removes the temp file. With `durable` false there is
 * no fsync: a crashed process still leaves old or new (the rename is atomic), but a crashed machine
 * may leave the file empty or missing, for files whose readers can tell and rebuild them.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'

export function atomicWrite (path: string, data: string | Buffer, durable = true): void {
  const tmp = `${path}.tmp`
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data
    const fd = openSync(tmp, 'w')
    try {
      let written = 0
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written)
      if (durable) fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, path)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
  if (!durable) return
  const dir = openSync(dirname(path), 'r')
  try {
    fsyncSync(dir)
  } finally {
    closeSync(dir)
  }
}

/**
 * The same steps on libuv's thread pool, for writes that must not hold the event loop for their
 * two fsyncs (the periodic checkpoints: 5-20 ms each on a busy disk). Callers write one file one
 * write at a time (LogManager chains them), since `<path>.tmp` is shared.
 */
export async function atomicWriteAsync (path: string, data: string | Buffer): Promise<void> {
  const tmp = `${path}.tmp`
  try {
    const file = await open(tmp, 'w')
    try {
      await file.writeFile(data)
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  const dir = await open(dirname(path), 'r')
  try {
    await dir.sync()
  } finally {
    await dir.close()
  }
}
