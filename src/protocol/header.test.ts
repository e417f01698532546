import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ApiKey } from './api-keys.js'
import { decode } from './codec.js'
import {
  encodeRequestFrame, encodeResponseFrame, readRequestHeader, readResponseHeader, requestHeaderVersion,
  responseHeaderVersion, writeRequestHeader, writeResponseHeader,
} from './header.js'
import { ApiVersionsRequest, ApiVersionsResponse } from './messages/api-versions.js'
import { FetchResponse } from './messages/fetch.js'
import { MetadataRequest } from './messages/metadata.js'
import { Reader } from './primitives/reader.js'
import { Writer } from './primitives/writer.js'

test('header versions follow flexibleVersions; ApiVersions responses always use v0', () => {
  assert.equal(requestHeaderVersion(ApiKey.Metadata, 8), 1)
  assert.equal(requestHeaderVersion(ApiKey.Metadata, 9), 2)
  assert.equal(requestHeaderVersion(ApiKey.ControlledShutdown, 0), 0)
  assert.equal(requestHeaderVersion(ApiKey.ApiVersions, 3), 2)
  assert.equal(responseHeaderVersion(ApiKey.Metadata, 9), 1)
  assert.equal(responseHeaderVersion(ApiKey.Metadata, 8), 0)
  assert.equal(responseHeaderVersion(ApiKey.ApiVersions, 3), 0)
  assert.equal(responseHeaderVersion(ApiKey.Fetch, 12), 1)
})

test('request headers v0, v1, v2 round-trip; clientId stays an int16 string in v2', () => {
  for (const hv of [0, 1, 2] as const) {
    const header = { apiKey: 3, apiVersion: 12, correlationId: 77, clientId: hv === 0 ? null : 'cli' }
    const bytes = writeRequestHeader(new Writer(), header, hv).toBuffer()
    assert.equal(bytes.length, [8, 13, 14][hv])
    assert.deepEqual(readRequestHeader(new Reader(bytes), hv), header)
  }
  const v2 = writeRequestHeader(new Writer(), { apiKey: 3, apiVersion: 12, correlationId: 1, clientId: 'ab' }).toBuffer()
  assert.deepEqual([...v2.subarray(8)], [0, 2, 0x61, 0x62, 0])
  const nullClient = writeRequestHeader(new Writer(), { apiKey: 3, apiVersion: 1, correlationId: 1, clientId: null }).toBuffer()
  assert.equal(readRequestHeader(new Reader(nullClient)).clientId, null)
})

test('response headers v0 and v1 round-trip', () => {
  for (const hv of [0, 1] as const) {
    const bytes = writeResponseHeader(new Writer(), 123, hv).toBuffer()
    assert.equal(bytes.length, 4 + hv)
    assert.deepEqual(readResponseHeader(new Reader(bytes), hv), { correlationId: 123 })
  }
})

test('request frames carry their size and decode back', () => {
  const frame = encodeRequestFrame(MetadataRequest, { apiVersion: 12, correlationId: 5, clientId: 'c' },
    { topics: null, allowAutoTopicCreation: false })
  assert.equal(frame.readInt32BE(0), frame.length - 4)
  const r = new Reader(frame, 4)
  assert.deepEqual(readRequestHeader(r), { apiKey: 3, apiVersion: 12, correlationId: 5, clientId: 'c' })
  assert.equal(decode(MetadataRequest, 12, r).allowAutoTopicCreation, false)
  assert.equal(r.remaining, 0)
})

test('response frames: ApiVersions v3 has header v0, big records are not copied', () => {
  const chunks = encodeResponseFrame(ApiVersionsResponse, 3, 9, { errorCode: 0, apiKeys: [], throttleTimeMs: 0 })
  const frame = Buffer.concat(chunks)
  assert.equal(frame.readInt32BE(0), frame.length - 4)
  assert.equal(frame.readInt32BE(4), 9)
  assert.equal(decode(ApiVersionsResponse, 3, new Reader(frame, 8)).errorCode, 0)

  const records = Buffer.alloc(64 * 1024, 1)
  const fetch = encodeResponseFrame(FetchResponse, 12, 1, {
    responses: [{ topic: 't', partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 10, records }] }],
  })
  assert.ok(fetch.includes(records), 'records chunk is the original buffer')
  const whole = Buffer.concat(fetch)
  assert.equal(whole.readInt32BE(0), whole.length - 4)
})

test('ApiVersions v0 request has an empty body', () => {
  const frame = encodeRequestFrame(ApiVersionsRequest, { apiVersion: 0, correlationId: 1, clientId: 'k' }, {})
  assert.equal(frame.length, 4 + 8 + 3)
})
