import { execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A small tmpfs of its own for one test, to run a log dir out of space (ENOSPC) and free it again.
 * Mounting needs root: `smallFileSystemUnavailable` is the reason a test must skip, or false.
 */
export interface SmallFileSystem {
  path: string
  /** Writes a filler file until the file system refuses another byte; returns the bytes written. */
  fill: () => number
  /** Deletes the filler file. */
  free: () => void
}

export const smallFileSystemUnavailable: string | false = probe()

/** Mounts a tmpfs of `sizeBytes` on a new temp dir; t.after unmounts and removes it. */
export function mountSmallFileSystem (t: { after: (fn: () => void) => void }, sizeBytes: number): SmallFileSystem {
  const path = mkdtempSync(join(tmpdir(), 'small-fs-'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', path])
  // Lazy: a broker stopped by a later t.after hook still holds files open on it.
  t.after(() => {
    execFileSync('umount', ['-l', path])
    rmSync(path, { recursive: true, force: true })
  })
  const filler = join(path, 'filler')
  return {
    path,
    fill: () => {
      const fd = openSync(filler, 'a')
      let written = 0
      try {
        // Big chunks first, then single pages: tmpfs hands out whole pages.
        for (const chunk of [Buffer.alloc(1 << 16, 1), Buffer.alloc(4096, 1)]) {
          for (;;) {
            try {
              written += writeSync(fd, chunk)
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
              break
            }
          }
        }
      } finally {
        closeSync(fd)
      }
      return written
    },
    free: () => rmSync(filler, { force: true }),
  }
}

function probe (): string | false {
  if (process.platform !== 'linux') return 'a small tmpfs needs Linux'
  if (process.getuid?.() !== 0) return 'mounting a small tmpfs needs root'
  const path = mkdtempSync(join(tmpdir(), 'small-fs-probe-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', path], { stdio: 'pipe' })
    execFileSync('umount', [path])
    return false
  } catch (err) {
    return `cannot mount a tmpfs here: ${(err as Error).message.split('\n')[0] ?? ''}`
  } finally {
    rmSync(path, { recursive: true, force: true })
  }
}
