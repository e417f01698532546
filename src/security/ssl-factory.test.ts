import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, createServer, type TLSSocket } from 'node:tls'
import type { BrokerSslConfig, SslConfig } from '../config/listener-security.js'
import { clientTlsOptions, openSslCipherName, serverTlsOptions } from './ssl-factory.js'
import { subjectDistinguishedName } from './ssl-principal-mapper.js'
import * as certs from './support/test-certificates.js'

const none: BrokerSslConfig = {
  'ssl.keystore.type': 'PEM', 'ssl.keystore.location': null, 'ssl.keystore.password': null, 'ssl.key.password': null,
  'ssl.keystore.certificate.chain': null, 'ssl.keystore.key': null, 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': null,
  'ssl.truststore.password': null, 'ssl.truststore.certificates': null, 'ssl.enabled.protocols': ['TLSv1.2', 'TLSv1.3'], 'ssl.cipher.suites': [],
  'ssl.endpoint.identification.algorithm': 'https', 'ssl.client.auth': 'none', 'ssl.principal.mapping.rules': 'DEFAULT',
}

test('Java cipher suite names become OpenSSL\'s; OpenSSL and TLS 1.3 names pass through', () => {
  assert.equal(openSslCipherName('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'), 'ECDHE-RSA-AES128-GCM-SHA256')
  assert.equal(openSslCipherName('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'), 'ECDHE-ECDSA-AES256-GCM-SHA384')
  assert.equal(openSslCipherName('TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'), 'ECDHE-RSA-CHACHA20-POLY1305')
  assert.equal(openSslCipherName('TLS_RSA_WITH_AES_128_CBC_SHA'), 'AES128-SHA')
  assert.equal(openSslCipherName('TLS_AES_128_GCM_SHA256'), 'TLS_AES_128_GCM_SHA256')
  assert.equal(openSslCipherName('ECDHE-RSA-AES128-GCM-SHA256'), 'ECDHE-RSA-AES128-GCM-SHA256')
})

test('keys that cannot make a TLS listener are refused by name, never by value', () => {
  const problems = (ssl: Partial<BrokerSslConfig>): string => {
    try {
      serverTlsOptions({ ...none, ...ssl }, 'listener.name.ssl.')
      return ''
    } catch (err) {
      return (err as Error).message
    }
  }
  assert.match(problems({}), /"listener.name.ssl.ssl.keystore.location" is required on a TLS listener/)
  assert.match(problems({ 'ssl.keystore.type': 'JKS', 'ssl.keystore.location': '/k.jks', 'ssl.keystore.password': 'hunter2' }), /"listener.name.ssl.ssl.keystore.type" JKS is not supported: use PEM or PKCS12/)
  assert.match(problems({ 'ssl.keystore.location': '/nonexistent/keystore.pem' }), /"listener.name.ssl.ssl.keystore.location": cannot read \/nonexistent\/keystore.pem \(ENOENT\)/)
  assert.match(problems({ 'ssl.keystore.certificate.chain': 'not pem', 'ssl.keystore.key': 'hunter2' }), /must hold a PEM certificate chain and exactly one private key/)
  assert.match(problems({ 'ssl.keystore.certificate.chain': 'x', 'ssl.enabled.protocols': ['SSLv3'] }), /"listener.name.ssl.ssl.enabled.protocols" must list some of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3/)
  assert.ok(!problems({ 'ssl.keystore.certificate.chain': 'x', 'ssl.keystore.key': 'hunter2' }).includes('hunter2'))
})

/** One TLS handshake in process: the server's options from `server`, the client's from `client`; the DN the server saw. */
async function handshake (server: BrokerSslConfig, client: SslConfig, host = '127.0.0.1'): Promise<{ ok: boolean, dn?: string, error?: string }> {
  const listener = createServer(serverTlsOptions(server, ''))
  await new Promise<void>(resolve => listener.listen(0, host, resolve))
  const seen = new Promise<string | undefined>(resolve => listener.once('secureConnection', (s: TLSSocket) => {
    const cert = s.authorized ? s.getPeerX509Certificate() : undefined
    resolve(cert === undefined ? undefined : subjectDistinguishedName(cert))
    s.end()
  }))
  const failed = new Promise<string>(resolve => listener.once('tlsClientError', (err: Error) => resolve(err.message)))
  try {
    const socket = connect({ ...clientTlsOptions(client, host), port: (listener.address() as AddressInfo).port })
    const refused = new Promise<string>(resolve => socket.once('error', (err: Error) => resolve(err.message)))
    const outcome = await Promise.race([seen.then(dn => ({ ok: true, dn })), failed.then(error => ({ ok: false, error })), refused.then(error => ({ ok: false, error }))])
    socket.destroy()
    return outcome
  } finally {
    listener.close()
  }
}

function withFiles<T> (files: Record<string, string | Buffer>, run: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'ssl-factory-'))
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  return run(dir).finally(() => rmSync(dir, { recursive: true, force: true }))
}

const trustingCa: SslConfig = { ...none, 'ssl.truststore.certificates': certs.caCert }

test('PEM keystores, inline and as a file with an encrypted key, and PKCS12: each serves a handshake the client verifies', async () => {
  assert.deepEqual(await handshake({ ...none, 'ssl.keystore.certificate.chain': certs.serverCert, 'ssl.keystore.key': certs.serverKey }, trustingCa), { ok: true, dn: undefined })
  await withFiles({ 'keystore.pem': certs.serverEncryptedKey + certs.serverCert, 'store.p12': certs.serverPkcs12, 'ca.pem': certs.caCert }, async dir => {
    assert.equal((await handshake({ ...none, 'ssl.keystore.location': join(dir, 'keystore.pem'), 'ssl.key.password': certs.serverKeyPassword }, { ...none, 'ssl.truststore.location': join(dir, 'ca.pem') })).ok, true)
    assert.equal((await handshake({ ...none, 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': join(dir, 'store.p12'), 'ssl.keystore.password': certs.serverPkcs12Password }, trustingCa)).ok, true)
    assert.throws(() => serverTlsOptions({ ...none, 'ssl.keystore.location': join(dir, 'keystore.pem'), 'ssl.key.password': 'wrong' }, 'listener.name.ssl.'), /the TLS settings listener.name.ssl.ssl.\* cannot be used/)
  })
})

test('ssl.client.auth: required refuses a client without a certificate; with one, its subject in RFC 2253 order', async () => {
  const server: BrokerSslConfig = { ...none, 'ssl.keystore.certificate.chain': certs.serverCert, 'ssl.keystore.key': certs.serverKey, 'ssl.truststore.certificates': certs.caCert, 'ssl.client.auth': 'required' }
  assert.equal((await handshake(server, trustingCa)).ok, false)
  const withCert: SslConfig = { ...trustingCa, 'ssl.keystore.certificate.chain': certs.clientCert, 'ssl.keystore.key': certs.clientKey }
  assert.deepEqual(await handshake(server, withCert), { ok: true, dn: 'CN=client,OU=unit,O=zkafka' })
  assert.deepEqual(await handshake({ ...server, 'ssl.client.auth': 'requested' }, trustingCa), { ok: true, dn: undefined }, 'requested: in without one, as ANONYMOUS')
})

test('the client refuses an untrusted broker, and one its certificate does not name unless ssl.endpoint.identification.algorithm is empty', async () => {
  const server: BrokerSslConfig = { ...none, 'ssl.keystore.certificate.chain': certs.serverCert, 'ssl.keystore.key': certs.serverKey }
  assert.equal((await handshake(server, none)).ok, false, 'a broker certificate from a CA the client does not trust')
  // the certificate names localhost and 127.0.0.1, not 127.0.0.2 (Linux routes all of 127/8 to lo)
  assert.equal((await handshake(server, trustingCa, '127.0.0.2')).ok, false)
  assert.equal((await handshake(server, { ...trustingCa, 'ssl.endpoint.identification.algorithm': '' }, '127.0.0.2')).ok, true)
})
