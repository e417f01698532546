import parsePrometheusTextFormat, { type PrometheusFamily, type PrometheusSample } from 'parse-prometheus-text-format'

/**
 * One scrape of a /metrics endpoint, parsed by a Prometheus text-format parser (prom2json's shape):
 * the gateway's dashboard reads the brokers' metrics with it, and the tests read everyone's.
 */
export class Scrape {
  private readonly families: Map<string, PrometheusFamily>

  constructor (readonly text: string) {
    this.families = new Map(parsePrometheusTextFormat(text).map(f => [f.name, f]))
  }

  static async of (url: string, options: { signal?: AbortSignal } = {}): Promise<Scrape> {
    const response = await fetch(url, options)
    if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`)
    return new Scrape(await response.text())
  }

  family (name: string): PrometheusFamily | undefined {
    return this.families.get(name)
  }

  /** The samples of `name` whose labels include `labels` (exactly no labels when `labels` is null). */
  samples (name: string, labels: Record<string, string> | null = {}): PrometheusSample[] {
    return (this.families.get(name)?.metrics ?? []).filter(s => labels === null
      ? Object.keys(s.labels ?? {}).length === 0
      : Object.entries(labels).every(([k, v]) => s.labels?.[k] === v))
  }

  /** The sum of the matching samples' values (0 when none match): a counter or gauge across label sets. */
  sum (name: string, labels: Record<string, string> | null = {}): number {
    return this.samples(name, labels).reduce((total, s) => total + Number(s.value), 0)
  }
}
