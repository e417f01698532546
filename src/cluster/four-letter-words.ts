/**
 * ZooKeeper's four-letter words (ZooKeeper Administrator's Guide, "ZooKeeper Commands"): a plain TCP
 * request on the client port, answered as text, after which the server closes the connection.
 * `srvr` is the one thing only ZooKeeper can say about itself: whether a node leads, follows or
 * stands alone. The servers must allow it (4lw.commands.whitelist; srvr is allowed by default).
 */
import { connect } from 'node:net'

/** What a node answers to `srvr`; 'not serving' while an ensemble node has no quorum, 'down' when nothing listens. */
export type ZooKeeperMode = 'standalone' | 'leader' | 'follower' | 'observer' | 'not serving' | 'down'

export interface ServerStatus {
  mode: ZooKeeperMode
  /** "3.8.0-..." as the server reports it; null when it did not answer. */
  version: string | null
  /** The last zxid it has seen, as hex ("0x1a"). */
  zxid: string | null
  nodeCount: number | null
  /** Request latency min/avg/max in ms since its counters were reset. */
  latencyMs: { min: number, avg: number, max: number } | null
}

/** Sends a four-letter word (srvr, ruok, mntr, ...) and returns the whole reply; ZooKeeper closes the connection after it. */
export async function fourLetterWord (host: string, port: number, word: string, { timeoutMs = 5_000 } = {}): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect({ host, port })
    const chunks: Buffer[] = []
    socket.setTimeout(timeoutMs, () => {
      socket.destroy(new Error(`timed out after ${timeoutMs}ms waiting for ZooKeeper at ${host}:${port} to answer ${word}`))
    })
    socket.on('connect', () => {
      // A connect to an unbound port can be handed that same port as its source and connect to itself.
      if (socket.localPort === socket.remotePort && socket.localAddress === socket.remoteAddress) {
        socket.destroy(Object.assign(new Error(`nothing listens on ${host}:${port} (connected to itself)`), { code: 'ECONNREFUSED' }))
        return
      }
      socket.end(word)
    })
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', (hadError) => { if (!hadError) resolve(Buffer.concat(chunks).toString('utf8')) })
  })
}

/** A node's `srvr` reply, parsed; a node nothing answers for is 'down'. Other errors (a timeout) throw. */
export async function serverStatus (host: string, port: number, options: { timeoutMs?: number } = {}): Promise<ServerStatus> {
  let reply: string
  try {
    reply = await fourLetterWord(host, port, 'srvr', options)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE') return { mode: 'down', version: null, zxid: null, nodeCount: null, latencyMs: null }
    throw error
  }
  return parseSrvr(reply)
}

export function parseSrvr (reply: string): ServerStatus {
  const field = (name: string): string | null => new RegExp(`^${name}: (.*)$`, 'm').exec(reply)?.[1]?.trim() ?? null
  const m = field('Mode')
  // "This ZooKeeper instance is not currently serving requests", or nothing at all while it starts
  const mode: ZooKeeperMode = m === 'standalone' || m === 'leader' || m === 'follower' || m === 'observer' ? m : 'not serving'
  const latency = /^Latency min\/avg\/max: ([\d.]+)\/([\d.]+)\/([\d.]+)/m.exec(reply)
  const nodeCount = field('Node count')
  return {
    mode,
    version: field('Zookeeper version')?.split(',')[0] ?? null,
    zxid: field('Zxid'),
    nodeCount: nodeCount === null ? null : Number(nodeCount),
    latencyMs: latency === null ? null : { min: Number(latency[1]), avg: Number(latency[2]), max: Number(latency[3]) },
  }
}
