/**
 * How far V8 lets a broker's heap grow past what its last full collection kept, set once at
 * start-up, as Kafka's start scripts choose the broker's JVM heap and collector
 * (KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS in kafka-run-class.sh).
 *
 * Why a broker needs it: V8 counts every byte of ArrayBuffers allocated since its last full
 * collection as if it were old-generation heap, and starts the next full collection once that sum
 * comes within the young generation's size of its limit. A broker's socket reads are such
 * ArrayBuffers (Node allocates one per read of an accepted socket, and offers no way to read those
 * into a buffer of ours), dead at once but only freed at the next young collection. At 100,000
 * records/s that is ~11 MB/s, and with V8's own growth factor for a busy 15 MB heap (~1.5) the
 * margin was ~8 MB: a full collection every 0.3-0.9 s, each a 3-9 ms pause with nothing to free,
 * which made the p99 end-to-end latency at 100,000 records/s 9-41 ms (bench/README.md, "The tail at
 * 100,000 records/s"). A fixed factor of 2 keeps a margin as large as the live heap itself.
 *
 * A `--heap-growing-percent` given to node on its command line wins.
 */
import { setFlagsFromString } from 'node:v8'

export const BROKER_HEAP_GROWING_PERCENT = 100

export function setBrokerHeapGrowth (execArgv: readonly string[] = process.execArgv): void {
  if (execArgv.some(arg => arg.startsWith('--heap-growing-percent') || arg.startsWith('--heap_growing_percent'))) return
  setFlagsFromString(`--heap-growing-percent=${BROKER_HEAP_GROWING_PERCENT}`)
}
