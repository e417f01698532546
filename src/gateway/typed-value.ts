/**
 * Keys, values and header values on the WebSocket travel as `{"type": "string"|"json"|"base64",
 * "data": ...}` (docs/gateway.md), null as null. Kafka records hold bytes: a string is its UTF-8,
 * JSON its serialised text, base64 the decoded bytes. Going out, a subscription's format says how
 * to show bytes, falling back to base64 when they are not what it asks for (a binary value on a
 * "string" subscription), so the client can always get the exact bytes back.
 */
import { isUtf8 } from 'node:buffer'

export type ValueFormat = 'string' | 'json' | 'base64'
export const VALUE_FORMATS: readonly ValueFormat[] = ['string', 'json', 'base64']

export type TypedValue = { type: 'string', data: string } | { type: 'json', data: unknown } | { type: 'base64', data: string }

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/
/**
 * What JSON.stringify escapes in a string (quote, backslash, controls, lone surrogates: any
 * surrogate here, to be safe) and U+FFFD, which invalid UTF-8 decodes to.
 */
const SPECIAL = /["\\\u0000-\u001f\ud800-\udfff\ufffd]/

/** The bytes a typed value stands for, or a problem naming `field`. */
export function bytesOf (field: string, v: unknown): Buffer | null | { problem: string } {
  if (v === null) return null
  if (typeof v !== 'object' || Array.isArray(v)) return { problem: `${field} must be {"type": "string"|"json"|"base64", "data": ...} or null` }
  const { type, data } = v as { type?: unknown, data?: unknown }
  switch (type) {
    case 'string':
      if (typeof data !== 'string') return { problem: `${field}.data must be a string for type "string"` }
      return Buffer.from(data, 'utf8')
    case 'json':
      if (data === undefined) return { problem: `${field}.data is missing` }
      return Buffer.from(JSON.stringify(data), 'utf8')
    case 'base64':
      if (typeof data !== 'string' || data.length % 4 !== 0 || !BASE64.test(data)) return { problem: `${field}.data must be base64 text for type "base64"` }
      return Buffer.from(data, 'base64')
    default:
      return { problem: `${field}.type must be "string", "json" or "base64"` }
  }
}

/** Bytes shown in `format`, or as base64 when they are not valid in it. */
export function typedValueOf (bytes: Buffer | null, format: ValueFormat): TypedValue | null {
  if (bytes === null) return null
  if (format !== 'base64' && isUtf8(bytes)) {
    const text = bytes.toString('utf8')
    if (format === 'string') return { type: 'string', data: text }
    try {
      return { type: 'json', data: JSON.parse(text) }
    } catch {
      return { type: 'string', data: text }
    }
  }
  return { type: 'base64', data: bytes.toString('base64') }
}

/**
 * The JSON text of typedValueOf(bytes, format), character for character what JSON.stringify
 * gives, without building the object first: a records frame holds hundreds of these.
 */
export function typedValueJson (bytes: Buffer | null, format: ValueFormat): string {
  return bytes === null ? 'null' : typedValueJsonAt(bytes, 0, bytes.length, format)
}

/**
 * typedValueJson of the `length` bytes at `start` of `buf` (-1: null), read in place: the gateway
 * renders records straight from a fetched batch. A string is decoded first and checked after:
 * only text holding U+FFFD (what invalid UTF-8 decodes to, or a real U+FFFD) needs the exact
 * check, and V8 finds no U+FFFD in one-byte (Latin-1) strings without scanning them.
 */
export function typedValueJsonAt (buf: Buffer, start: number, length: number, format: ValueFormat): string {
  if (length < 0) return 'null'
  const end = start + length
  if (format === 'string') {
    const text = buf.toString('utf8', start, end)
    // most text needs neither escaping nor the exact check: one scan says so, then no JSON.stringify
    if (!SPECIAL.test(text)) return '{"type":"string","data":"' + text + '"}'
    if (!text.includes('\uFFFD') || isUtf8(buf.subarray(start, end))) return '{"type":"string","data":' + JSON.stringify(text) + '}'
  }
  if (format === 'base64') return '{"type":"base64","data":"' + buf.toString('base64', start, end) + '"}'
  return JSON.stringify(typedValueOf(buf.subarray(start, end), format))
}
