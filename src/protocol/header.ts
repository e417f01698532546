/**
 * Request and response headers (the protocol guide's Common Request and Response Structure) and whole-frame encoding for the client side.
 *
 * Request header v0: apiKey, apiVersion, correlationId; v1 adds clientId; v2 adds a tagged-field
 * section. clientId stays an int16-length string even in v2, so any broker can read it.
 * Response header v0: correlationId; v1 adds a tagged-field section.
 */
import { ApiKey } from './api-keys.js'
import { encode } from './codec.js'
import { messagesFor } from './messages/index.js'
import type { Reader } from './primitives/reader.js'
import { Writer } from './primitives/writer.js'
import { inRange, type Infer, type MessageDescriptor } from './schema/index.js'

export interface RequestHeader {
  apiKey: number
  apiVersion: number
  correlationId: number
  /** null when the client sent none (header v0, or length -1); the Java broker treats it as "". */
  clientId: string | null
}

/** v2 for flexible request versions, else v1; v0 only for ControlledShutdown v0 (inter-broker). */
export function requestHeaderVersion (apiKey: number, apiVersion: number): 0 | 1 | 2 {
  if (apiKey === ApiKey.ControlledShutdown && apiVersion === 0) return 0
  const messages = messagesFor(apiKey)
  return messages !== undefined && inRange(messages.request.flexibleVersions, apiVersion) ? 2 : 1
}

/**
 * v1 for flexible response versions, else v0; ApiVersions is always v0 (KIP-511) so a client that
 * does not yet know the broker's versions can read the correlation id.
 */
export function responseHeaderVersion (apiKey: number, apiVersion: number): 0 | 1 {
  if (apiKey === ApiKey.ApiVersions) return 0
  const messages = messagesFor(apiKey)
  return messages !== undefined && inRange(messages.response.flexibleVersions, apiVersion) ? 1 : 0
}

/**
 * Reads a request header. The first 8 bytes sit at the same place in every header version, so the
 * version is decided from them (`headerVersion` overrides that, for tests and replay tools).
 */
export function readRequestHeader (reader: Reader, headerVersion?: 0 | 1 | 2): RequestHeader {
  const apiKey = reader.int16()
  const apiVersion = reader.int16()
  const correlationId = reader.int32()
  const version = headerVersion ?? requestHeaderVersion(apiKey, apiVersion)
  const clientId = version >= 1 ? reader.nullableString() : null
  if (version >= 2) skipTaggedFields(reader)
  return { apiKey, apiVersion, correlationId, clientId }
}

export function writeRequestHeader (writer: Writer, header: RequestHeader, headerVersion = requestHeaderVersion(header.apiKey, header.apiVersion)): Writer {
  writer.int16(header.apiKey).int16(header.apiVersion).int32(header.correlationId)
  if (headerVersion >= 1) writer.nullableString(header.clientId)
  if (headerVersion >= 2) writer.uvarint(0)
  return writer
}

export function readResponseHeader (reader: Reader, headerVersion: 0 | 1): { correlationId: number } {
  const correlationId = reader.int32()
  if (headerVersion >= 1) skipTaggedFields(reader)
  return { correlationId }
}

export function writeResponseHeader (writer: Writer, correlationId: number, headerVersion: 0 | 1): Writer {
  writer.int32(correlationId)
  if (headerVersion >= 1) writer.uvarint(0)
  return writer
}

/** A whole request frame: int32 size, header, body (the client side of the wire). */
export function encodeRequestFrame<M extends MessageDescriptor> (
  msg: M, header: Omit<RequestHeader, 'apiKey'>, value: Infer<M>,
): Buffer {
  return requestFrameWriter(msg, header, value).toBuffer()
}

/**
 * The same frame as chunks for cork + write (writev): a Produce request's record batches go to
 * the socket as they are instead of being copied into one frame.
 */
export function encodeRequestFrameChunks<M extends MessageDescriptor> (
  msg: M, header: Omit<RequestHeader, 'apiKey'>, value: Infer<M>,
): Buffer[] {
  return requestFrameWriter(msg, header, value).toChunks()
}

function requestFrameWriter<M extends MessageDescriptor> (msg: M, header: Omit<RequestHeader, 'apiKey'>, value: Infer<M>): Writer {
  const writer = new Writer().int32(0)
  writeRequestHeader(writer, { ...header, apiKey: msg.apiKey })
  encode(msg, header.apiVersion, value, writer)
  return writer.patchInt32(0, writer.length - 4)
}

/**
 * A whole response frame as chunks for socket writev: big records fields are not copied into it.
 */
export function encodeResponseFrame<M extends MessageDescriptor> (
  msg: M, apiVersion: number, correlationId: number, value: Infer<M>,
): Buffer[] {
  const writer = new Writer().int32(0)
  writeResponseHeader(writer, correlationId, responseHeaderVersion(msg.apiKey, apiVersion))
  encode(msg, apiVersion, value, writer)
  return writer.patchInt32(0, writer.length - 4).toChunks()
}

/** Header tagged fields are all optional hints nobody here needs; skip them (KIP-482). */
function skipTaggedFields (reader: Reader): void {
  const count = reader.checkCount(reader.uvarint())
  for (let i = 0; i < count; i++) {
    reader.uvarint()
    reader.skip(reader.uvarint())
  }
}
