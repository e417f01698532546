import type { TLSSocket, TlsOptions } from 'node:tls'
import type { ListenerSecurity } from '../config/listener-security.js'
import { ConfigError } from '../errors.js'
import type { Logger } from '../logger.js'
import { userPrincipal } from '../security/kafka-principal.js'
import { serverTlsOptions } from '../security/ssl-factory.js'
import { SslPrincipalMapper, subjectDistinguishedName } from '../security/ssl-principal-mapper.js'
import type { ScramCredential } from '../security/scram.js'
import type { Connection } from './connection.js'
import { SaslServerAuthenticator } from './sasl-server-authenticator.js'

/**
 * What a listener's security protocol adds to its connections (Kafka's ChannelBuilders: Plaintext,
 * Ssl and SaslChannelBuilder): the TLS server options, and for each new connection its principal
 * from the client certificate (SSL) or a SASL authenticator that must complete first (SASL_*).
 */
export interface ChannelBuilder {
  readonly tls?: TlsOptions
  /** Sets a new connection up; the authenticator, when requests must wait for SASL. Throws to refuse the client. */
  accept: (connection: Connection) => SaslServerAuthenticator | undefined
}

export interface ChannelDependencies {
  scramCredentialOf: (username: string, mechanism: string) => ScramCredential | undefined
  failedAuthenticationDelayMs: number
  /** connections.max.reauth.ms (KIP-368) */
  maxReauthMs: number
  saslMaxReceiveBytes: number
  log: Logger
}

/** Throws ConfigError for TLS keys or mapping rules that cannot be used, naming them. */
export function channelBuilder (security: ListenerSecurity, deps: ChannelDependencies): ChannelBuilder {
  const prefix = `listener.name.${security.listenerName.toLowerCase()}.`
  const ssl = security.protocol === 'SSL' || security.protocol === 'SASL_SSL'
  const tls = ssl ? serverTlsOptions(security.ssl, prefix) : undefined
  if (security.protocol === 'SSL') {
    const parsed = SslPrincipalMapper.parse('ssl.principal.mapping.rules', security.ssl['ssl.principal.mapping.rules'])
    if (parsed.mapper === undefined) throw new ConfigError([`listener ${security.listenerName}: ${parsed.problem!}`])
    const mapper = parsed.mapper
    return {
      tls,
      accept: connection => {
        // Kafka's DefaultKafkaPrincipalBuilder: the mapped subject of a verified client certificate, else ANONYMOUS
        const socket = connection.socket as TLSSocket
        const cert = socket.authorized ? socket.getPeerX509Certificate() : undefined
        if (cert !== undefined) connection.principal = userPrincipal(mapper.name(subjectDistinguishedName(cert)))
        return undefined
      },
    }
  }
  if (security.protocol === 'SASL_PLAINTEXT' || security.protocol === 'SASL_SSL') {
    const users = security.jaas.get('PLAIN')?.options
    const options = {
      listenerName: security.listenerName,
      mechanisms: security.saslMechanisms,
      plainPasswordOf: (username: string) => users?.get(`user_${username}`),
      scramCredentialOf: deps.scramCredentialOf,
      failedAuthenticationDelayMs: deps.failedAuthenticationDelayMs,
      maxReauthMs: deps.maxReauthMs,
      log: deps.log,
    }
    return {
      tls,
      accept: connection => {
        connection.maxFrameBytes = Math.min(deps.saslMaxReceiveBytes, connection.maxRequestBytes)
        return new SaslServerAuthenticator(options)
      },
    }
  }
  return { accept: () => undefined }
}
