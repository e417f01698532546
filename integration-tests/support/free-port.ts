import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// Ports come from below the kernel's ephemeral range, not from listen(0). A server on an ephemeral port
// can lose it before it binds: a client polling it (is it up yet?) may be given that very port as its
// own source port and connect to itself (TCP simultaneous open), which looks like a hung server and
// holds the port. Outgoing connections never take ports outside the ephemeral range.
//
// Test files run in parallel processes, and a port is free only until its server binds it, so each
// chosen port is also reserved for the life of this process by a file in the OS temp dir that names
// its pid: other processes skip it even before it is bound. A reservation whose process is gone is stale.

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort (): Promise<number> {
  const [port] = await freePorts(1)
  return port!
}

/** `count` distinct free ports; all are held open together while they are chosen. */
export async function freePorts (count: number): Promise<number[]> {
  const held = new Map<number, Server>()
  try {
    for (let attempt = 0; held.size < count && attempt < count * 50; attempt++) {
      const port = randomPort(1)
      if (held.has(port)) continue
      const server = await listen(port).catch(() => undefined)
      if (server === undefined) continue
      if (reserve(port)) held.set(port, server)
      else await close(server)
    }
    if (held.size < count) throw new Error(`found only ${held.size} of ${count} free ports in ${RANGE.low}-${RANGE.high - 1}`)
    return [...held.keys()]
  } finally {
    await Promise.all([...held.values()].map(close))
  }
}

/** The first of `count` consecutive free ports, for programs that take a base port (`bin/zookeeper-start --base-port`). */
export async function freePortBlock (count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = randomPort(count)
    const servers: Server[] = []
    try {
      for (let port = first; port < first + count; port++) servers.push(await listen(port))
      const reserved: number[] = []
      for (let port = first; port < first + count && reserve(port); port++) reserved.push(port)
      if (reserved.length === count) return first
      reserved.forEach(release)
    } catch {
      continue
    } finally {
      await Promise.all(servers.map(close))
    }
  }
  throw new Error(`no block of ${count} consecutive free ports found in ${RANGE.low}-${RANGE.high - 1}`)
}

const RANGE = portRange()

/** [low, high) below the ephemeral range (Linux: /proc/sys/net/ipv4/ip_local_port_range; elsewhere 49152+). */
function portRange (): { low: number; high: number } {
  let ephemeralLow = 49_152
  try {
    ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
  } catch {
    // not Linux
  }
  const low = 20_000
  return { low, high: Math.max(low + 1_000, Math.min(32_768, ephemeralLow)) }
}

function randomPort (blockSize: number): number {
  return RANGE.low + Math.floor(Math.random() * (RANGE.high - RANGE.low - blockSize))
}

const RESERVATIONS = join(tmpdir(), 'zkafka-port-reservations')
const reservedHere = new Set<number>()
let releaseOnExit = false

/** Creates RESERVATIONS/<port> holding our pid; false if a live process holds it. */
function reserve (port: number): boolean {
  mkdirSync(RESERVATIONS, { recursive: true })
  const file = join(RESERVATIONS, String(port))
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      if (!releaseOnExit) process.once('exit', () => reservedHere.forEach(release))
      releaseOnExit = true
      reservedHere.add(port)
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !isStale(file)) return false
      try { unlinkSync(file) } catch { return false }
    }
  }
  return false
}

function release (port: number): void {
  reservedHere.delete(port)
  try { unlinkSync(join(RESERVATIONS, String(port))) } catch { /* already gone */ }
}

function isStale (file: string): boolean {
  try {
    const pid = Number(readFileSync(file, 'utf8'))
    // a file still being written reads empty: stale only if old
    if (!Number.isInteger(pid) || pid <= 0) return Date.now() - statSync(file).mtimeMs > 10_000
    process.kill(pid, 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

function listen (port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(server))
  })
}

function close (server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}
