import { readFileSync } from 'node:fs'

/**
 * Samples a process's resident set size (VmRSS in /proc/<pid>/status) on a timer in this process,
 * so the samples keep coming while the sampled process is busy. Linux only.
 */
export class RssSampler {
  private maxBytes = 0
  private lastBytes = 0
  private samples = 0
  private readonly timer: NodeJS.Timeout

  private constructor (readonly pid: number, intervalMs: number) {
    this.sample()
    this.timer = setInterval(() => this.sample(), intervalMs)
  }

  static start (pid: number, intervalMs = 100): RssSampler {
    return new RssSampler(pid, intervalMs)
  }

  /** The largest RSS seen so far, in MiB; takes one more sample first. */
  get maxMiB (): number {
    this.sample()
    return this.maxBytes / 2 ** 20
  }

  /** The RSS now, in MiB (one more sample). */
  get lastMiB (): number {
    this.sample()
    return this.lastBytes / 2 ** 20
  }

  get sampleCount (): number { return this.samples }

  stop (): void {
    clearInterval(this.timer)
  }

  private sample (): void {
    let status: string
    try {
      status = readFileSync(`/proc/${this.pid}/status`, 'utf8')
    } catch {
      return // the process is gone: the test's own liveness checks report that
    }
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]
    if (kb === undefined) return
    this.samples++
    this.lastBytes = Number(kb) * 1024
    this.maxBytes = Math.max(this.maxBytes, this.lastBytes)
  }
}
