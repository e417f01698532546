/**
 * `npm run bench`: runs every benchmark one after another, each in its own process with its
 * default arguments (each also runs alone, with the flags its header documents:
 * node dist/bench/<name>.js). One process each, so no benchmark warms or loads the next.
 */
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const benchmarks = ['segment-append', 'log-cleaner', 'produce-consume-kcat', 'security-kcat', 'producer-perf-vs-kcat', 'replication', 'reassignment', 'group-failover', 'group-pending-members', 'transactions', 'gateway', 'dashboard-scale']

let failed = 0
for (const name of benchmarks) {
  process.stdout.write(`\n== ${name}\n`)
  const run = spawnSync(process.execPath, [join(here, `${name}.js`)], { stdio: 'inherit' })
  if (run.status !== 0) {
    failed++
    process.stdout.write(`== ${name} failed (exit ${run.status ?? run.signal})\n`)
  }
}
process.exitCode = failed === 0 ? 0 : 1
