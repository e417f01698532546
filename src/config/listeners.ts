import { securityProtocols } from './listener-security.js'

/** A listener as Kafka writes it: NAME://host:port (an empty host means every interface). */
export interface Endpoint {
  listenerName: string
  securityProtocol: string
  host: string
  port: number
}

const LISTENER = /^([A-Za-z0-9_]+):\/\/(\[[0-9a-fA-F:]+\]|[^:/]*):(\d+)$/

/** Parses `listeners` / `advertised.listeners`; returns problems naming the bad entry. */
export function parseListeners (key: string, entries: readonly string[], protocolMap: ReadonlyMap<string, string>): { endpoints: Endpoint[], problems: string[] } {
  const endpoints: Endpoint[] = []
  const problems: string[] = []
  for (const entry of entries) {
    const m = LISTENER.exec(entry)
    const port = Number(m?.[3])
    if (m === null || port > 65535) {
      problems.push(`"${key}" entry ${JSON.stringify(entry)} must look like PLAINTEXT://host:port`)
      continue
    }
    const listenerName = (m[1] ?? '').toUpperCase()
    const securityProtocol = protocolMap.get(listenerName)
    if (securityProtocol === undefined) {
      problems.push(`"${key}" listener ${listenerName} has no entry in "listener.security.protocol.map"`)
      continue
    }
    if (!(securityProtocols as readonly string[]).includes(securityProtocol)) {
      problems.push(`"${key}" listener ${listenerName} maps to ${securityProtocol}, which is not one of ${securityProtocols.join(', ')}`)
      continue
    }
    if (endpoints.some(e => e.listenerName === listenerName)) problems.push(`"${key}" names listener ${listenerName} twice`)
    endpoints.push({ listenerName, securityProtocol, host: (m[2] ?? '').replace(/^\[|\]$/g, ''), port })
  }
  return { endpoints, problems }
}

export function parseProtocolMap (entries: readonly string[]): { map: Map<string, string>, problems: string[] } {
  const map = new Map<string, string>()
  const problems: string[] = []
  for (const entry of entries) {
    const [name, protocol, ...rest] = entry.split(':')
    if (name === undefined || protocol === undefined || rest.length > 0 || name === '' || protocol === '') {
      problems.push(`"listener.security.protocol.map" entry ${JSON.stringify(entry)} must look like NAME:PROTOCOL`)
    } else map.set(name.toUpperCase(), protocol.toUpperCase())
  }
  return { map, problems }
}
