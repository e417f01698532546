/**
 * How far V8 lets a broker's heap grow past what its last full collection kept, set once at
 * start-up, as Kafka's start scripts choose the broker's JVM heap and collector
 * (KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS in kafka-run-class.sh).
 *
 * Why a broker needs it: V8 counts every byte of ArrayBuffers allocated since its last full
 * collection as if it were old-generation heap, and starts the next full collection once that sum
 * comes within the young generation's size of its limit. A broker's socket reads are such
 * ArrayBuffers (Node allocates one per read of an accepted socket, and offers no way to read those
 * into a buffer of ours), dead at once but only freed at the next young collection. V8 chooses its
 * growth factor between 1.1 and 4 from how fast it collects against how fast the program
 * allocates, and does not count those buffers in either: once a busy 15 MB heap had it at ~1.5,
 * ~11 MB/s of Produce at 100,000 records/s set off a full collection every 0.3-0.9 s, each a 3-9 ms
 * pause with nothing to free, and the p99 end-to-end latency rose to 9-41 ms. A fixed 2 removed
 * those but cost 10 KB records half their produce rate (700 MB/s of reads then filled its margin
 * every ~20 ms). So the broker takes the top of V8's own range, always: 4, as V8 picks for a heap
 * that collects cheaply (bench/README.md, "The tail at 100,000 records/s"). The memory reducer
 * still shrinks the heap of an idle broker.
 *
 * A `--heap-growing-percent` given to node on its command line wins.
 */
import { setFlagsFromString } from 'node:v8'

export const BROKER_HEAP_GROWING_PERCENT = 300

export function setBrokerHeapGrowth (execArgv: readonly string[] = process.execArgv): void {
  if (execArgv.some(arg => arg.startsWith('--heap-growing-percent') || arg.startsWith('--heap_growing_percent'))) return
  setFlagsFromString(`--heap-growing-percent=${BROKER_HEAP_GROWING_PERCENT}`)
}
