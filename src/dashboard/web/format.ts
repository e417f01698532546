/** Numbers as people read them on a dashboard. */
export function rate (n: number | undefined): string {
  if (n === undefined) return '–'
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M/s`
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k/s`
  return `${n < 10 && n > 0 ? n.toFixed(1) : Math.round(n)}/s`
}

export function byteRate (n: number | undefined): string {
  return n === undefined ? '–' : `${bytes(n)}/s`
}

export function bytes (n: number | undefined): string {
  if (n === undefined) return '–'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++ }
  return `${i === 0 ? Math.round(n) : n.toFixed(1)} ${units[i]!}`
}

export function time (ms: number): string {
  return new Date(ms).toLocaleTimeString()
}

export function duration (ms: number | undefined): string {
  if (ms === undefined) return '–'
  if (ms < 1000) return `${ms} ms`
  const s = Math.round(ms / 1000)
  if (s < 120) return `${s} s`
  const m = Math.round(s / 60)
  return m < 120 ? `${m} min` : `${Math.round(m / 60)} h`
}

/** A short span to the hundredth of a second, as "1.24 s" (or "350 ms"). */
export function seconds (ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`
}

export type Decoding = 'string' | 'json' | 'hex' | 'base64'

/** Bytes sent as base64 (exact), shown as the user asks: UTF-8 text, pretty JSON (text if it is not JSON), hex or base64. */
export function decode (b64: string | null, as: Decoding): string {
  if (b64 === null) return 'null'
  if (as === 'base64') return b64
  const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0))
  if (as === 'hex') return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join(' ')
  const text = new TextDecoder().decode(bytes)
  if (as === 'string') return text
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}
