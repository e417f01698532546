import { spawn } from 'node:child_process'
import { closeSync, openSync, writeSync } from 'node:fs'

/** kcat's producer settings for throughput: acks=1 and librdkafka's batching (~1 MB uncompressed v2 batches). */
export const KCAT_PRODUCER = ['-X', 'acks=1', '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000', '-X', 'queue.buffering.max.messages=2000000', '-X', 'queue.buffering.max.kbytes=2097152', '-q']

/**
 * kcat -C settings that keep librdkafka from being the limit: it stops fetching while its prefetch
 * queue holds queued.min.messages (100k by default) or queued.max.messages.kbytes, then waits up to
 * fetch.wait.max.ms before fetching again.
 */
export const KCAT_CONSUMER_PREFETCH = ['-X', 'queued.min.messages=10000000', '-X', 'queued.max.messages.kbytes=2097151']

/** Writes `count` record lines of `bytes` each, as kcat -P -l reads them. */
export function writeRecordsFile (file: string, count: number, bytes: number): void {
  const fd = openSync(file, 'w')
  const perChunk = 10_000
  for (let i = 0; i < count; i += perChunk) {
    const lines: string[] = []
    for (let j = i; j < Math.min(count, i + perChunk); j++) lines.push(recordLine(j, bytes))
    writeSync(fd, lines.join('\n') + '\n')
  }
  closeSync(fd)
}

export function recordLine (i: number, bytes: number): string {
  const head = `record-${i}-`
  return head + 'x'.repeat(Math.max(0, bytes - head.length))
}

export interface Paced {
  records: number
  perSecond: number
  valueBytes: number
  /** How often stdin gets what is due (ms); 1 feeds librdkafka as a steady source would. */
  everyMs?: number
}

/**
 * Runs a command to completion with its stdout discarded; resolves with the wall-clock ms. With
 * `paced`, stdin gets that many record lines at a steady rate (every `everyMs`, what is due by then).
 */
export async function runTimed (command: string, argv: string[], paced?: Paced): Promise<number> {
  const start = performance.now()
  const child = spawn(command, argv, { stdio: [paced === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
  if (paced !== undefined) {
    let sent = 0
    const timer = setInterval(() => {
      const due = Math.min(paced.records, Math.floor((performance.now() - start) / 1000 * paced.perSecond))
      const lines: string[] = []
      for (; sent < due; sent++) lines.push(recordLine(sent, paced.valueBytes))
      if (lines.length > 0) child.stdin?.write(lines.join('\n') + '\n')
      if (sent >= paced.records) { clearInterval(timer); child.stdin?.end() }
    }, paced.everyMs ?? 5)
  }
  const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
  if (code !== 0) throw new Error(`${command} ${argv.join(' ')} exited with ${code}: ${stderr}`)
  return performance.now() - start
}
