import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BrokerProcess } from '../../integration-tests/support/broker.js'

/**
 * Self time per function (name, file:line) from a V8 .cpuprofile, busiest first, as
 * "pct-of-busy% ms name (file:line)"; the first line gives busy and idle totals over the life of
 * the process (`whose`, for that line).
 */
export function summarizeProfile (file: string, top: number, whose: string): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: Array<{ id: number, callFrame: { functionName: string, url: string, lineNumber: number }, hitCount?: number }>
    startTime: number
    endTime: number
    samples: number[]
  }
  const intervalMs = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length)
  const selfHits = new Map<string, number>()
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame
    const where = url === '' ? '' : ` (${url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/')}:${lineNumber + 1})`
    const key = `${functionName === '' ? '(anonymous)' : functionName}${where}`
    selfHits.set(key, (selfHits.get(key) ?? 0) + (node.hitCount ?? 0))
  }
  const idle = selfHits.get('(idle)') ?? 0
  selfHits.delete('(idle)')
  const busy = [...selfHits.values()].reduce((a, b) => a + b, 0)
  return [
    `busy ${(busy * intervalMs).toFixed(0)} ms, idle ${(idle * intervalMs).toFixed(0)} ms over ${whose}'s life; % of busy time:`,
    ...[...selfHits].sort((a, b) => b[1] - a[1]).slice(0, top)
      .map(([key, hits]) => `${(hits / busy * 100).toFixed(1).padStart(5)}% ${(hits * intervalMs).toFixed(0).padStart(6)} ms  ${key}`),
  ]
}

/**
 * Stops brokers that ran under `node --cpu-prof --cpu-prof-dir=dir` (their profiles are written on
 * exit) and prints each one's busiest functions, naming the controller.
 */
export async function stopAndSummarizeBrokers (brokers: BrokerProcess[], dir: string, top: number, say: (line: string) => void): Promise<void> {
  const pids = new Map(brokers.map(b => [b.pid, b]))
  await Promise.all(brokers.map(async b => await b.stop()))
  for (const file of readdirSync(dir).filter(f => f.endsWith('.cpuprofile'))) {
    const pid = Number(/^CPU\.\d+\.\d+\.(\d+)\./.exec(file)?.[1])
    const broker = pids.get(pid)
    say(`CPU profile of broker ${broker?.spec.brokerId ?? '?'}${broker !== undefined && broker.lines.some(l => l.includes('elected controller')) ? ' (controller)' : ''}:`)
    for (const line of summarizeProfile(join(dir, file), top, `broker ${broker?.spec.brokerId ?? pid}`)) say(`  ${line}`)
  }
}
