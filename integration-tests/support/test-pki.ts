import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runProcess } from './run-process.js'

export interface TestIdentity {
  /** The certificate alone (PEM). */
  cert: string
  /** The private key alone (PEM, unencrypted). */
  key: string
  /** Kafka's PEM keystore: the key (encrypted with `keyPassword`) followed by the certificate chain. */
  keystore: string
  keyPassword: string
}

export interface TestPki {
  dir: string
  /** The CA certificate: the PEM truststore of every side. */
  caCert: string
  /** localhost / 127.0.0.1, for every broker. */
  broker: TestIdentity
  client: (name: string) => TestIdentity
  cleanup: () => void
}

/**
 * A throwaway CA and certificates made with openssl in a temp dir: one for the brokers (names
 * localhost and 127.0.0.1, so host name verification passes) and one per client name (subject
 * CN=<name>,OU=clients,O=zkafka, Kafka's DEFAULT principal "User:CN=<name>,OU=clients,O=zkafka").
 * EC P-256 keys keep generation and handshakes quick.
 */
export async function createTestPki (clientNames: readonly string[]): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'zkafka-pki-'))
  const openssl = async (...args: string[]): Promise<void> => { await runProcess('openssl', args, { cwd: dir }) }
  const caKey = join(dir, 'ca.key')
  const caCert = join(dir, 'ca.pem')
  await openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', caKey, '-out', caCert, '-days', '2', '-subj', '/O=zkafka/CN=zkafka test CA')

  const issue = async (name: string, subject: string, altNames: string | null): Promise<TestIdentity> => {
    const key = join(dir, `${name}.key`)
    const csr = join(dir, `${name}.csr`)
    const cert = join(dir, `${name}.pem`)
    const ext = join(dir, `${name}.ext`)
    writeFileSync(ext, altNames === null ? 'basicConstraints=CA:FALSE\n' : `basicConstraints=CA:FALSE\nsubjectAltName=${altNames}\n`)
    await openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', subject)
    await openssl('x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext)
    const keyPassword = `${name}-key-password`
    const encrypted = join(dir, `${name}.enc.key`)
    await openssl('pkcs8', '-topk8', '-in', key, '-out', encrypted, '-passout', `pass:${keyPassword}`)
    const keystore = join(dir, `${name}.keystore.pem`)
    writeFileSync(keystore, readFileSync(encrypted, 'utf8') + readFileSync(cert, 'utf8') + readFileSync(caCert, 'utf8'))
    return { cert, key, keystore, keyPassword }
  }
  const broker = await issue('broker', '/O=zkafka/OU=brokers/CN=localhost', 'DNS:localhost,IP:127.0.0.1')
  const clients = new Map<string, TestIdentity>()
  for (const name of clientNames) clients.set(name, await issue(name, `/O=zkafka/OU=clients/CN=${name}`, null))
  return {
    dir,
    caCert,
    broker,
    client: name => {
      const c = clients.get(name)
      if (c === undefined) throw new Error(`no client certificate for ${name}`)
      return c
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}
