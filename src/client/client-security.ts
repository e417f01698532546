import type { ClientSecurity, SecurityProtocol } from '../config/listener-security.js'
import { KafkaError } from '../errors.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { parseJaasConfig } from '../config/jaas-config.js'
import type { CommonClientConfig } from './client-config.js'

/**
 * security.protocol, the ssl.* keys and the SASL login from a client's config, as Kafka's clients
 * take them: the username and password are the options of the one login module in
 * sasl.jaas.config (PlainLoginModule or ScramLoginModule). Checked once, when the client is made.
 */
export function clientSecurity (config: CommonClientConfig): ClientSecurity {
  const protocol = config['security.protocol'] as SecurityProtocol
  const security: ClientSecurity = { protocol }
  if (protocol === 'SSL' || protocol === 'SASL_SSL') security.ssl = config
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') {
    const mechanism = config['sasl.mechanism']
    const jaasText = config['sasl.jaas.config']
    if (jaasText === null) throw new KafkaError(ErrorCode.INVALID_CONFIG, `security.protocol ${protocol} needs sasl.jaas.config with the username and password`)
    const { config: jaas, problem } = parseJaasConfig('sasl.jaas.config', jaasText)
    const username = jaas?.options.get('username')
    const password = jaas?.options.get('password')
    if (problem !== undefined) throw new KafkaError(ErrorCode.INVALID_CONFIG, problem)
    if (username === undefined || password === undefined) throw new KafkaError(ErrorCode.INVALID_CONFIG, 'sasl.jaas.config must set username and password')
    security.sasl = { mechanism, username, password }
  }
  return security
}
