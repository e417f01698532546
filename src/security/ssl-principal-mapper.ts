/**
 * The principal name for a client certificate's subject (Kafka's SslPrincipalMapper, KIP-371):
 * ssl.principal.mapping.rules is a comma-separated list of DEFAULT (the distinguished name as it
 * is) and RULE:<pattern>/<replacement>/[L|U] (when the pattern matches the whole DN, the DN with
 * the replacement applied, optionally lower- or upper-cased). The first rule that applies wins;
 * none applying fails the connection's authentication, as in Kafka.
 */
import type { X509Certificate } from 'node:crypto'

type Rule = { kind: 'default' } | { kind: 'rule', pattern: RegExp, replacement: string, toCase: '' | 'L' | 'U' }

// Kafka's RULE_SPLITTER: \s*((DEFAULT)|RULE:((\\.|[^\\/])*)/((\\.|[^\\/])*)/([LU]?))\s*(,\s*|$)
const RULE = /\s*(?:(DEFAULT)|RULE:((?:\\.|[^\\/])*)\/((?:\\.|[^\\/])*)\/([LU]?))\s*(?:,\s*|$)/y

export class SslPrincipalMapper {
  private constructor (private readonly rules: Rule[], private readonly text: string) {}

  /** Parses the rules; a problem message (naming the key) when they do not parse. */
  static parse (key: string, text: string): { mapper?: SslPrincipalMapper, problem?: string } {
    const rules: Rule[] = []
    RULE.lastIndex = 0
    while (RULE.lastIndex < text.length) {
      const at = RULE.lastIndex
      const m = RULE.exec(text)
      if (m === null || RULE.lastIndex === at) return { problem: `"${key}" has an invalid rule at position ${at}: each must be DEFAULT or RULE:pattern/replacement/[LU]` }
      if (m[1] !== undefined) rules.push({ kind: 'default' })
      else {
        try {
          rules.push({ kind: 'rule', pattern: new RegExp(`^(?:${m[2]!})$`), replacement: m[3]!.replace(/\\(.)/g, '$1'), toCase: m[4] as '' | 'L' | 'U' })
        } catch {
          return { problem: `"${key}" has a rule whose pattern is not a regular expression: ${m[2]!}` }
        }
      }
    }
    return { mapper: new SslPrincipalMapper(rules, text) }
  }

  /** The principal name for a DN, or an Error when no rule applies. */
  name (dn: string): string {
    for (const rule of this.rules) {
      if (rule.kind === 'default') return dn
      if (!rule.pattern.test(dn)) continue
      const mapped = dn.replace(rule.pattern, rule.replacement)
      return rule.toCase === 'L' ? mapped.toLowerCase() : rule.toCase === 'U' ? mapped.toUpperCase() : mapped
    }
    throw new Error(`No rules apply to ${dn}, rules ${this.text}`)
  }
}

/**
 * The subject as Java's X500Principal.getName() writes it (RFC 2253): the most specific RDN
 * first, comma-separated. node:crypto lists RDNs in certificate order, one a line, already
 * escaped as RFC 2253 asks.
 */
export function subjectDistinguishedName (cert: X509Certificate): string {
  return cert.subject.split('\n').filter(s => s !== '').reverse().join(',')
}
