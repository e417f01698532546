/**
 * `npm run bench`: runs the benchmarks one after another, each with its default arguments (each
 * file also runs alone, with the flags its header documents: node dist/bench/<name>.js).
 */
import { main as produceConsumeKcat } from './produce-consume-kcat.js'

const benchmarks: Array<[string, () => Promise<void>]> = [
  ['produce-consume-kcat', produceConsumeKcat],
]

for (const [name, run] of benchmarks) {
  process.stdout.write(`\n== ${name}\n`)
  await run()
}
