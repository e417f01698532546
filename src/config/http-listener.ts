/** An HTTP listener as a config value writes it (`metrics.listener`): `http://host:port`. */
export interface HttpListener {
  host: string
  port: number
  /** The value as given, normalized: for log lines and messages. */
  url: string
}

/**
 * `http://host:port` (port 0: any free one; 0.0.0.0 for every interface). A URL, not Kafka's
 * NAME://host:port listener syntax: what listens here speaks HTTP, not the Kafka protocol.
 */
export function parseHttpListener (key: string, text: string): { listener?: HttpListener, problem?: string } {
  const m = /^http:\/\/(\[[0-9a-fA-F:]+\]|[^:/[\]@]+):(\d{1,5})\/?$/.exec(text)
  const port = Number(m?.[2])
  if (m === null || port > 65535) return { problem: `"${key}" must look like http://host:port, got ${JSON.stringify(text)}` }
  const host = (m[1] ?? '').replace(/^\[|\]$/g, '')
  return { listener: { host, port, url: `http://${m[1] ?? ''}:${port}` } }
}
