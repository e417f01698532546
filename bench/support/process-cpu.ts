/**
 * CPU time a process has used so far, from Linux's /proc/<pid>/stat: it moves far less than wall
 * clock when other work shares the cores, so benches report it beside their rates.
 */
import { readFileSync } from 'node:fs'

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these. */
const CLOCK_TICKS_PER_SECOND = 100

/** user + system CPU of `pid` so far, in ms (10 ms resolution). */
export function cpuMsOf (pid: number): number {
  const fields = statFields(pid)
  return (Number(fields[11]) + Number(fields[12])) * 1000 / CLOCK_TICKS_PER_SECOND
}

/**
 * user + system CPU of this process's children that have exited and been waited for (a finished
 * execFileSync's tool, e.g. kcat), in ms: the difference across one run is that tool's CPU.
 */
export function exitedChildrenCpuMs (): number {
  const fields = statFields(process.pid)
  return (Number(fields[13]) + Number(fields[14])) * 1000 / CLOCK_TICKS_PER_SECOND
}

/** /proc/<pid>/stat's fields from the 3rd (state) on. */
function statFields (pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
}
