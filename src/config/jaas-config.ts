/**
 * The `sasl.jaas.config` value as Kafka's JaasConfig parses it: exactly one login module,
 *
 *   org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="s3cret" user_alice="a";
 *
 * a class name, a control flag, options as key=value (values quoted with "..." or bare words),
 * and a terminating ';'. Problems name the key, never a value (values hold passwords).
 */
export interface JaasConfig {
  loginModule: string
  controlFlag: 'required' | 'requisite' | 'sufficient' | 'optional'
  options: Map<string, string>
}

export const PLAIN_LOGIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule'
export const SCRAM_LOGIN_MODULE = 'org.apache.kafka.common.security.scram.ScramLoginModule'

const TOKEN = /\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;="]+)|(=)|(;))/y

export function parseJaasConfig (key: string, text: string): { config?: JaasConfig, problem?: string } {
  const tokens: Array<{ word?: string, quoted?: boolean, punct?: string }> = []
  TOKEN.lastIndex = 0
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break
    const m = TOKEN.exec(text)
    if (m === null) return { problem: `"${key}" is not a JAAS configuration (unexpected character at position ${TOKEN.lastIndex})` }
    if (m[1] !== undefined) tokens.push({ word: m[1].replace(/\\(.)/g, '$1'), quoted: true })
    else if (m[2] !== undefined) tokens.push({ word: m[2] })
    else tokens.push({ punct: m[3] ?? m[4] })
  }
  const bad = (why: string): { problem: string } => ({ problem: `"${key}" is not a valid JAAS configuration: ${why}` })
  const [module, flag] = tokens
  if (module?.word === undefined || module.quoted === true) return bad('it must start with a login module class name')
  if (flag?.word === undefined || !['required', 'requisite', 'sufficient', 'optional'].includes(flag.word)) return bad('the login module must be followed by a control flag (required, requisite, sufficient or optional)')
  const options = new Map<string, string>()
  let i = 2
  for (; i < tokens.length && tokens[i]?.punct !== ';'; i += 3) {
    const [name, eq, value] = [tokens[i], tokens[i + 1], tokens[i + 2]]
    if (name?.word === undefined || eq?.punct !== '=' || value?.word === undefined) return bad('options must look like name="value"')
    options.set(name.word, value.word)
  }
  if (tokens[i]?.punct !== ';') return bad('it must end with ";"')
  if (i + 1 < tokens.length) return bad('it must hold exactly one login module')
  return { config: { loginModule: module.word, controlFlag: flag.word as JaasConfig['controlFlag'], options } }
}
