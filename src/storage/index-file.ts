/**
 * The fixed-size entries of a segment's `.index` or `.timeindex`, held in memory and written to the
 * file by persist(). Kafka's mmap'd indexes are likewise trusted on disk only up to the recovery
 * point: recovery rebuilds them for everything after it, and a failed sanity check rebuilds them
 * from the log.
 */
import { closeSync, constants, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs'

/** The entries of every index that has none yet: never written to (appendEntry replaces it). */
const NO_ENTRIES = Buffer.alloc(0)

export class IndexFile {
  /** Shared NO_ENTRIES until the first load or entry: a Buffer of its own, even empty, is ~0.2 KiB of each idle partition's two indexes. */
  private entries: Buffer = NO_ENTRIES
  private count = 0
  /** Leading entries that are on disk as they are in memory. */
  private persistedCount = 0
  /** Entries the file holds (it may hold more than memory after a truncation). */
  private fileCount = -1
  /** Whether memory, not the file, is authoritative (after load, reset or the first append). */
  private loaded = false
  /**
   * The file was not there at load and nothing has been written since. An index without entries is
   * then left uncreated while its segment is empty (persist's `create`): a missing index of an empty
   * segment loads as empty, and an idle partition costs two file creations fewer (Kafka creates
   * them, preallocated, with every segment).
   */
  private fileMissing = false

  constructor (readonly path: string, readonly entryBytes: number) {}

  /** Reads the file; false if it is missing or not a whole number of entries (then it is empty). */
  load (): boolean {
    this.loaded = true
    let data: Buffer
    try {
      data = readFileSync(this.path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      this.reset()
      this.fileMissing = true
      return false
    }
    if (data.length % this.entryBytes !== 0) {
      this.reset()
      return false
    }
    this.entries = data
    this.count = this.persistedCount = this.fileCount = data.length / this.entryBytes
    return true
  }

  /** The last entry as stored on disk, without loading the file (for a closed segment's summary). */
  readLastEntryFromFile (): Buffer | null {
    let fd: number
    try {
      fd = openSync(this.path, 'r')
    } catch {
      return null
    }
    try {
      const entry = Buffer.alloc(this.entryBytes)
      const size = fstatSync(fd).size
      const last = size - (size % this.entryBytes) - this.entryBytes
      if (last < 0) return null
      return readSync(fd, entry, 0, this.entryBytes, last) === this.entryBytes ? entry : null
    } finally {
      closeSync(fd)
    }
  }

  get isLoaded (): boolean { return this.loaded }
  get entryCount (): number { return this.count }
  /** Entry i starts at byte i * entryBytes of this buffer. */
  get data (): Buffer { return this.entries }

  /** Makes room for one more entry and returns the byte position to write it at. */
  appendEntry (): number {
    const position = this.count * this.entryBytes
    if (position + this.entryBytes > this.entries.length) {
      const grown = Buffer.alloc(Math.max(64 * this.entryBytes, this.entries.length * 2))
      this.entries.copy(grown, 0, 0, position)
      this.entries = grown
    }
    this.count++
    return position
  }

  truncateToEntries (count: number): void {
    if (count >= this.count) return
    this.count = count
    this.persistedCount = Math.min(this.persistedCount, count)
  }

  reset (): void {
    this.loaded = true
    this.count = 0
    this.persistedCount = 0
  }

  /**
   * Writes what memory has that the file lacks and trims the file to exactly the entries. Without
   * entries and with `create` false, a missing file is left missing.
   */
  persist (fsync: boolean, create = true): void {
    const size = this.count * this.entryBytes
    const mayCreate = create || this.count > 0
    if (this.fileMissing && !mayCreate) return
    if (this.persistedCount === this.count && this.fileCount === this.count && !fsync) return
    let fd: number
    try {
      fd = openSync(this.path, mayCreate ? constants.O_WRONLY | constants.O_CREAT : constants.O_WRONLY)
    } catch (err) {
      if (mayCreate || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      this.fileMissing = true
      this.persistedCount = this.fileCount = 0
      return
    }
    try {
      const from = this.persistedCount * this.entryBytes
      if (size > from) writeSync(fd, this.entries, from, size - from, from)
      if (this.fileCount !== this.count) ftruncateSync(fd, size)
      if (fsync) fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    this.persistedCount = this.fileCount = this.count
    this.fileMissing = false
  }

  delete (): void {
    rmSync(this.path, { force: true })
    this.reset()
    this.fileCount = 0
  }
}
