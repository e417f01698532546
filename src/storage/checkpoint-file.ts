/**
 * Kafka's text checkpoint format: a version line (0), a count line, then one entry per line with
 * space-separated fields. Used for `leader-epoch-checkpoint` (`epoch startOffset`) and the per-log-dir
 * `recovery-point-offset-checkpoint`, `replication-offset-checkpoint` and `log-start-offset-checkpoint`
 * (`topic partition offset`). Writes are atomic (atomic-write.ts): a crash leaves either the old or
 * the new checkpoint.
 */
import { readFileSync } from 'node:fs'
import { atomicWrite, atomicWriteAsync } from './atomic-write.js'

const VERSION = 0

export class CheckpointFile {
  constructor (readonly path: string, private readonly fieldsPerLine: number) {}

  /** The entries, each split into its fields; [] when the file does not exist. Throws on a malformed file. */
  read (): string[][] {
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
    const lines = text.split('\n').filter(line => line !== '')
    const malformed = (why: string): Error => new Error(`malformed checkpoint ${this.path}: ${why}`)
    if (Number(lines[0]) !== VERSION) throw malformed(`unsupported version ${lines[0]}`)
    const count = Number(lines[1])
    if (!Number.isInteger(count) || count !== lines.length - 2) throw malformed(`count ${lines[1]} but ${lines.length - 2} entries`)
    return lines.slice(2).map(line => {
      const fields = line.split(' ')
      if (fields.length !== this.fieldsPerLine) throw malformed(`expected ${this.fieldsPerLine} fields in "${line}"`)
      return fields
    })
  }

  write (entries: ReadonlyArray<ReadonlyArray<string | number>>): void {
    atomicWrite(this.path, format(entries))
  }

  /** The same write off the event loop (one at a time per file: see atomicWriteAsync). */
  async writeAsync (entries: ReadonlyArray<ReadonlyArray<string | number>>): Promise<void> {
    await atomicWriteAsync(this.path, format(entries))
  }
}

function format (entries: ReadonlyArray<ReadonlyArray<string | number>>): string {
  return [String(VERSION), String(entries.length), ...entries.map(fields => fields.join(' '))].join('\n') + '\n'
}

/** `topic partition offset` entries keyed by `<topic>-<partition>`, the partition directory's name. */
export function readOffsetCheckpoint (file: CheckpointFile): Map<string, number> {
  const offsets = new Map<string, number>()
  for (const [topic, partition, offset] of file.read()) offsets.set(`${topic}-${partition}`, Number(offset))
  return offsets
}

export function writeOffsetCheckpoint (file: CheckpointFile, offsets: Iterable<{ topic: string, partition: number, offset: number }>): void {
  file.write(offsetEntries(offsets))
}

export async function writeOffsetCheckpointAsync (file: CheckpointFile, offsets: Iterable<{ topic: string, partition: number, offset: number }>): Promise<void> {
  await file.writeAsync(offsetEntries(offsets))
}

function offsetEntries (offsets: Iterable<{ topic: string, partition: number, offset: number }>): Array<Array<string | number>> {
  return [...offsets].map(({ topic, partition, offset }) => [topic, partition, offset])
}
