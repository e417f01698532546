/**
 * TLS contexts from Kafka's ssl.* keys (Kafka's SslFactory / DefaultSslEngineFactory), for
 * listeners and for clients: PEM keystores and truststores (a file, or inline PEM as Kafka's
 * ssl.keystore.certificate.chain / ssl.keystore.key / ssl.truststore.certificates), PKCS12
 * keystores (node:tls reads them as pfx), ssl.enabled.protocols, ssl.cipher.suites, and on
 * listeners ssl.client.auth. JKS needs a Java key store reader and is refused by name.
 * Problems name the key (with its listener prefix), never a value.
 */
import { readFileSync } from 'node:fs'
import { createSecureContext, type ConnectionOptions, type SecureContext, type SecureContextOptions, type TlsOptions } from 'node:tls'
import { ConfigError } from '../errors.js'
import type { BrokerSslConfig, SslConfig } from '../config/listener-security.js'

/** A listener's TLS server options; `prefix` is how its keys are named in messages ("listener.name.ssl."). */
export function serverTlsOptions (ssl: BrokerSslConfig, prefix: string): TlsOptions {
  const options: TlsOptions = { ...contextOptions(ssl, prefix, true) }
  // ssl.client.auth: 'requested' asks for a certificate and lets a client without one in (as ANONYMOUS)
  options.requestCert = ssl['ssl.client.auth'] !== 'none'
  options.rejectUnauthorized = ssl['ssl.client.auth'] === 'required'
  return options
}

/**
 * A client's TLS options for one broker. ssl.endpoint.identification.algorithm=https (Kafka's
 * default) checks the broker's certificate names `host`; empty turns the check off.
 */
export function clientTlsOptions (ssl: SslConfig, host: string): ConnectionOptions {
  let secureContext = clientContexts.get(ssl)
  if (secureContext === undefined) clientContexts.set(ssl, secureContext = createSecureContext(contextOptions(ssl, '', false)))
  const options: ConnectionOptions = { secureContext, host, rejectUnauthorized: true }
  if (!/^[0-9.]+$|:/.test(host)) options.servername = host
  if ((ssl['ssl.endpoint.identification.algorithm'] ?? '') === '') options.checkServerIdentity = () => undefined
  return options
}

/** One context per client config: the key files are read once, not on every connection. */
const clientContexts = new WeakMap<SslConfig, SecureContext>()

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g
const PROTOCOLS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const

function contextOptions (ssl: SslConfig, prefix: string, server: boolean): SecureContextOptions {
  const problems: string[] = []
  const key = (k: keyof SslConfig): string => `"${prefix}${k}"`
  const options: SecureContextOptions = {}

  // keystore: what this side presents (a listener must have one; a client only for client auth)
  const keystoreType = ssl['ssl.keystore.type'].toUpperCase()
  const location = ssl['ssl.keystore.location']
  const inlineChain = ssl['ssl.keystore.certificate.chain']
  if (location !== null || inlineChain !== null) {
    if (keystoreType === 'PKCS12' && location !== null) {
      options.pfx = readFile(key('ssl.keystore.location'), location, problems)
      options.passphrase = ssl['ssl.keystore.password'] ?? undefined
    } else if (keystoreType === 'PEM') {
      const text = location !== null ? readFile(key('ssl.keystore.location'), location, problems)?.toString('utf8') : `${inlineChain ?? ''}\n${ssl['ssl.keystore.key'] ?? ''}`
      const blocks = pemBlocks(text ?? '')
      const certs = blocks.filter(b => b.type === 'CERTIFICATE')
      const keys = blocks.filter(b => b.type.endsWith('PRIVATE KEY'))
      if (text !== undefined && (certs.length === 0 || keys.length !== 1)) {
        problems.push(`${location !== null ? key('ssl.keystore.location') : `${key('ssl.keystore.certificate.chain')} / ${key('ssl.keystore.key')}`} must hold a PEM certificate chain and exactly one private key`)
      }
      options.cert = certs.map(b => b.text).join('\n')
      options.key = keys[0]?.text
      // Kafka's PEM keystores: ssl.key.password decrypts an encrypted key
      options.passphrase = ssl['ssl.key.password'] ?? undefined
    } else {
      problems.push(`${key('ssl.keystore.type')} ${keystoreType} is not supported${location === null ? ' with inline PEM' : ''}: use PEM${location !== null ? ' or PKCS12' : ''}`)
    }
  } else if (ssl['ssl.keystore.key'] !== null) problems.push(`${key('ssl.keystore.key')} needs ${key('ssl.keystore.certificate.chain')}`)

  // truststore: whom this side trusts (Node's own CA list when none is given, as Java's cacerts)
  const trustLocation = ssl['ssl.truststore.location']
  const trustInline = ssl['ssl.truststore.certificates']
  if (trustLocation !== null || trustInline !== null) {
    if (ssl['ssl.truststore.type'].toUpperCase() !== 'PEM') problems.push(`${key('ssl.truststore.type')} ${ssl['ssl.truststore.type']} is not supported: use PEM`)
    const text = trustLocation !== null ? readFile(key('ssl.truststore.location'), trustLocation, problems)?.toString('utf8') : trustInline ?? ''
    const certs = pemBlocks(text ?? '').filter(b => b.type === 'CERTIFICATE')
    if (text !== undefined && certs.length === 0) problems.push(`${trustLocation !== null ? key('ssl.truststore.location') : key('ssl.truststore.certificates')} holds no PEM certificate`)
    options.ca = certs.map(b => b.text)
  }

  const enabled = ssl['ssl.enabled.protocols']
  const unknown = enabled.filter(p => !(PROTOCOLS as readonly string[]).includes(p))
  if (unknown.length > 0 || enabled.length === 0) problems.push(`${key('ssl.enabled.protocols')} must list some of ${PROTOCOLS.join(', ')}`)
  else {
    const indexes = enabled.map(p => (PROTOCOLS as readonly string[]).indexOf(p))
    options.minVersion = PROTOCOLS[Math.min(...indexes)]
    options.maxVersion = PROTOCOLS[Math.max(...indexes)]
  }
  if (ssl['ssl.cipher.suites'].length > 0) {
    // node:tls takes TLS 1.3 suites (TLS_AES_128_GCM_SHA256: the same name in Java) in the same list
    options.ciphers = ssl['ssl.cipher.suites'].map(openSslCipherName).join(':')
  }
  if (server && options.cert === undefined && options.pfx === undefined && problems.length === 0) problems.push(`${key('ssl.keystore.location')} is required on a TLS listener`)
  if (problems.length === 0) {
    try {
      createSecureContext(options)
    } catch (err) {
      problems.push(`the TLS settings ${prefix}ssl.* cannot be used: ${(err as Error).message}`)
    }
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return options
}

function readFile (key: string, path: string, problems: string[]): Buffer | undefined {
  try {
    return readFileSync(path)
  } catch (err) {
    problems.push(`${key}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`)
    return undefined
  }
}

function pemBlocks (text: string): Array<{ type: string, text: string }> {
  return [...text.matchAll(PEM_BLOCK)].map(m => ({ type: m[1]!, text: m[0] }))
}

/**
 * Java (IANA) cipher suite names to OpenSSL's, which node:tls takes for TLS 1.2 and below:
 * TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 → ECDHE-RSA-AES128-GCM-SHA256. Names already in OpenSSL's
 * form pass through; one node:tls does not know fails createSecureContext, named by key.
 */
export function openSslCipherName (name: string): string {
  const m = /^TLS_(ECDHE_ECDSA|ECDHE_RSA|DHE_RSA|RSA)_WITH_(AES_128|AES_256|CHACHA20_POLY1305)_?(GCM|CBC)?_(SHA|SHA256|SHA384)$/.exec(name)
  if (m === null) return name
  const kx = { ECDHE_ECDSA: 'ECDHE-ECDSA', ECDHE_RSA: 'ECDHE-RSA', DHE_RSA: 'DHE-RSA', RSA: '' }[m[1] as 'RSA']
  const cipher = { AES_128: 'AES128', AES_256: 'AES256', CHACHA20_POLY1305: 'CHACHA20-POLY1305' }[m[2] as 'AES_128']
  const mac = m[3] === 'GCM' ? `GCM-${m[4]!}` : m[2] === 'CHACHA20_POLY1305' ? '' : m[4]!
  return [kx, cipher, mac].filter(s => s !== '').join('-')
}
