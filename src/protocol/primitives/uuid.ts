/**
 * Kafka's uuid: 16 bytes on the wire, URL-safe base64 without padding (22 characters) as text,
 * which is what Uuid.toString() prints and what /brokers/topics/<t> stores. All zeros means "none".
 */
import { ProtocolError } from '../protocol-error.js'

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA'

export function uuidFromBytes (buf: Buffer, offset = 0): string {
  return buf.toString('base64url', offset, offset + 16)
}

export function uuidToBytes (text: string, target: Buffer = Buffer.allocUnsafe(16), offset = 0): Buffer {
  if (text.length !== 22 || !/^[A-Za-z0-9_-]{21}[AQgw]$/.test(text)) {
    throw new ProtocolError(`"${text}" is not a 22-character URL-safe base64 uuid`)
  }
  target.write(text, offset, 16, 'base64url')
  return target
}

/** A random (version 4) uuid in Kafka's text form, as Uuid.randomUuid() makes for topic ids. */
export function randomUuid (): string {
  const b = Buffer.from(crypto.getRandomValues(new Uint8Array(16)))
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  const text = uuidFromBytes(b)
  // Kafka never hands out the zero uuid nor ids starting with '-' (they look like CLI flags)
  return text === ZERO_UUID || text.startsWith('-') ? randomUuid() : text
}
