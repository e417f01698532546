/**
 * SCRAM (RFC 5802, with SHA-256 / SHA-512 as RFC 7677 and Kafka's KIP-84 use them): the mechanisms,
 * the credential a server keeps (salt, StoredKey, ServerKey, iterations; never the password), its
 * text form in ZooKeeper, and the four messages of the exchange. Both sides use it: the broker's
 * ScramSaslServer and the client's SCRAM login. node:crypto only.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto'

export interface ScramMechanism {
  /** The SASL name, as in sasl.enabled.mechanisms and /config/users/<user>. */
  name: 'SCRAM-SHA-256' | 'SCRAM-SHA-512'
  /** Kafka's ScramMechanism type, as AlterUserScramCredentials and DescribeUserScramCredentials carry it. */
  type: number
  hash: 'sha256' | 'sha512'
  keyBytes: number
}

export const scramMechanisms: readonly ScramMechanism[] = [
  { name: 'SCRAM-SHA-256', type: 1, hash: 'sha256', keyBytes: 32 },
  { name: 'SCRAM-SHA-512', type: 2, hash: 'sha512', keyBytes: 64 },
]

/** Kafka's ScramMechanism bounds: fewer iterations are refused, more are refused by KIP-554's AlterUserScramCredentials. */
export const MIN_ITERATIONS = 4096
export const MAX_ITERATIONS = 16384

export function scramMechanism (name: string): ScramMechanism | undefined {
  return scramMechanisms.find(m => m.name === name)
}

export function scramMechanismByType (type: number): ScramMechanism | undefined {
  return scramMechanisms.find(m => m.type === type)
}

/** What the server stores for one user and mechanism (Kafka's ScramCredential). */
export interface ScramCredential {
  salt: Buffer
  storedKey: Buffer
  serverKey: Buffer
  iterations: number
}

/** RFC 5802's Hi(): PBKDF2 with HMAC-H is exactly it. */
export function saltedPassword (m: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, m.keyBytes, m.hash)
}

/** The credential for a salted password (what AlterUserScramCredentials sends, KIP-554). */
export function credentialFromSaltedPassword (m: ScramMechanism, salted: Buffer, salt: Buffer, iterations: number): ScramCredential {
  return { salt, iterations, storedKey: hash(m, hmac(m, salted, 'Client Key')), serverKey: hmac(m, salted, 'Server Key') }
}

export function newCredential (m: ScramMechanism, password: string, iterations: number): ScramCredential {
  const salt = randomBytes(m.keyBytes)
  return credentialFromSaltedPassword(m, saltedPassword(m, password, salt, iterations), salt, iterations)
}

/** Kafka's ScramCredentialUtils.credentialToString: `salt=..,stored_key=..,server_key=..,iterations=N`. */
export function formatCredential (c: ScramCredential): string {
  return `salt=${c.salt.toString('base64')},stored_key=${c.storedKey.toString('base64')},server_key=${c.serverKey.toString('base64')},iterations=${c.iterations}`
}

/** The inverse of formatCredential; undefined for anything else (a hand-edited znode). */
export function parseCredential (m: ScramMechanism, text: string): ScramCredential | undefined {
  const fields = new Map(text.split(',').map(kv => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))
  const salt = fields.get('salt')
  const storedKey = fields.get('stored_key')
  const serverKey = fields.get('server_key')
  const iterations = Number(fields.get('iterations'))
  if (salt === undefined || storedKey === undefined || serverKey === undefined || !Number.isInteger(iterations) || iterations < 1) return undefined
  const c = { salt: Buffer.from(salt, 'base64'), storedKey: Buffer.from(storedKey, 'base64'), serverKey: Buffer.from(serverKey, 'base64'), iterations }
  return c.storedKey.length === m.keyBytes && c.serverKey.length === m.keyBytes ? c : undefined
}

/** A fresh nonce: printable ASCII without ',' (RFC 5802 "printable"). */
export function scramNonce (): string {
  return randomBytes(24).toString('base64url')
}

export interface ClientFirstMessage {
  /** gs2 header as sent ("n,," or "n,a=<authzid>,"): the channel binding must repeat it. */
  gs2Header: string
  authorizationId: string
  username: string
  nonce: string
  /** client-first-message-bare, a part of AuthMessage. */
  bare: string
}

// RFC 5802: gs2-header "n," [ "a=" saslname ] ","; then [reserved-mext ","] username "," nonce ["," extensions]
const CLIENT_FIRST = /^(n,(?:a=((?:[\x01-\x2b\x2d-\x3c\x3e-\x7f]|=2C|=3D)+))?,)((?:m=[^,]*,)?n=((?:[\x01-\x2b\x2d-\x3c\x3e-\x7f]|=2C|=3D)+),r=([\x21-\x2b\x2d-\x7e]+)(?:,[\x01-\x2b\x2d-\x7f]*)*)$/
const SERVER_FIRST = /^(?:m=[^,]*,)?r=([\x21-\x2b\x2d-\x7e]+),s=([A-Za-z0-9+/=]+),i=(\d{1,9})(?:,.*)?$/
const CLIENT_FINAL = /^(c=([A-Za-z0-9+/=]+),r=([\x21-\x2b\x2d-\x7e]+)(?:,[\x01-\x2b\x2d-\x7f]*)*?),p=([A-Za-z0-9+/=]+)$/
const SERVER_FINAL = /^(?:e=([^,]*)|v=([A-Za-z0-9+/=]+))(?:,.*)?$/

export function parseClientFirst (text: string): ClientFirstMessage | undefined {
  const m = CLIENT_FIRST.exec(text)
  if (m === null) return undefined
  return { gs2Header: m[1]!, authorizationId: decodeSaslName(m[2] ?? ''), bare: m[3]!, username: decodeSaslName(m[4]!), nonce: m[5]! }
}

export function formatClientFirst (username: string, nonce: string): { message: string, bare: string } {
  const bare = `n=${encodeSaslName(username)},r=${nonce}`
  return { message: `n,,${bare}`, bare }
}

export interface ServerFirstMessage { nonce: string, salt: Buffer, iterations: number }

export function parseServerFirst (text: string): ServerFirstMessage | undefined {
  const m = SERVER_FIRST.exec(text)
  return m === null ? undefined : { nonce: m[1]!, salt: Buffer.from(m[2]!, 'base64'), iterations: Number(m[3]) }
}

export function formatServerFirst (nonce: string, salt: Buffer, iterations: number): string {
  return `r=${nonce},s=${salt.toString('base64')},i=${iterations}`
}

/** client-final-message-without-proof: the channel binding repeats the gs2 header (no binding: "biws"). */
export function formatClientFinalWithoutProof (gs2Header: string, nonce: string): string {
  return `c=${Buffer.from(gs2Header).toString('base64')},r=${nonce}`
}

export interface ClientFinalMessage {
  channelBinding: string
  nonce: string
  proof: Buffer
  /** client-final-message-without-proof, a part of AuthMessage. */
  withoutProof: string
}

export function parseClientFinal (text: string): ClientFinalMessage | undefined {
  const m = CLIENT_FINAL.exec(text)
  return m === null ? undefined : { withoutProof: m[1]!, channelBinding: m[2]!, nonce: m[3]!, proof: Buffer.from(m[4]!, 'base64') }
}

/** `v=<ServerSignature>` or `e=<server-error-value>`. */
export function parseServerFinal (text: string): { error?: string, serverSignature?: Buffer } | undefined {
  const m = SERVER_FINAL.exec(text)
  if (m === null) return undefined
  return m[1] !== undefined ? { error: m[1] } : { serverSignature: Buffer.from(m[2]!, 'base64') }
}

export function authMessage (clientFirstBare: string, serverFirst: string, clientFinalWithoutProof: string): string {
  return `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`
}

/** ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage). */
export function clientProof (m: ScramMechanism, salted: Buffer, auth: string): Buffer {
  const clientKey = hmac(m, salted, 'Client Key')
  return xor(clientKey, hmac(m, hash(m, clientKey), auth))
}

/** RFC 5802 server check: H(ClientProof XOR ClientSignature) must be StoredKey. Constant time. */
export function verifyClientProof (m: ScramMechanism, c: ScramCredential, auth: string, proof: Buffer): boolean {
  if (proof.length !== m.keyBytes) return false
  const clientKey = xor(proof, hmac(m, c.storedKey, auth))
  return timingSafeEqual(hash(m, clientKey), c.storedKey)
}

export function serverSignature (m: ScramMechanism, serverKey: Buffer, auth: string): Buffer {
  return hmac(m, serverKey, auth)
}

export function serverKeyOf (m: ScramMechanism, salted: Buffer): Buffer {
  return hmac(m, salted, 'Server Key')
}

function hmac (m: ScramMechanism, key: Buffer, text: string): Buffer {
  return createHmac(m.hash, key).update(text, 'utf8').digest()
}

function hash (m: ScramMechanism, data: Buffer): Buffer {
  return createHash(m.hash).update(data).digest()
}

function xor (a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!
  return out
}

/** RFC 5802 saslname: ',' and '=' travel as =2C and =3D. */
function encodeSaslName (name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C')
}

function decodeSaslName (name: string): string {
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=')
}
