/** Numbers as people read them on a dashboard. */
export function rate (n: number | undefined): string {
  if (n === undefined) return '–'
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M/s`
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k/s`
  return `${n < 10 && n > 0 ? n.toFixed(1) : Math.round(n)}/s`
}

export function byteRate (n: number | undefined): string {
  if (n === undefined) return '–'
  const units = ['B/s', 'KiB/s', 'MiB/s', 'GiB/s']
  let i = 0
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++ }
  return `${i === 0 ? Math.round(n) : n.toFixed(1)} ${units[i]!}`
}

export function time (ms: number): string {
  return new Date(ms).toLocaleTimeString()
}
