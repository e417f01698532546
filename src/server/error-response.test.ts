import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decode, encodeToBuffer } from '../protocol/codec.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { CreatePartitionsRequest, CreatePartitionsResponse } from '../protocol/messages/create-partitions.js'
import { DeleteGroupsRequest, DeleteGroupsResponse } from '../protocol/messages/delete-groups.js'
import { FetchRequest, FetchResponse } from '../protocol/messages/fetch.js'
import { apiMessages } from '../protocol/messages/index.js'
import { OffsetFetchRequest, OffsetFetchResponse } from '../protocol/messages/offset-fetch.js'
import { Reader } from '../protocol/primitives/reader.js'
import { inRange, type FieldsDescriptor, type MessageDescriptor } from '../protocol/schema/index.js'
import { sampleValue } from '../protocol/support/sample-value.js'
import { clipErrorMessages, errorResponse } from './error-response.js'

const CODE = ErrorCode.POLICY_VIOLATION

for (const { request, response } of apiMessages) {
  test(`${request.name}: a whole-request failure encodes at every version, with the code wherever an error code goes`, () => {
    for (let v = request.validVersions.min; v <= Math.min(request.validVersions.max, response.validVersions.max); v++) {
      for (const variant of [0, 1] as const) {
        const decoded = roundTrip(request, response, v, sampleValue(request, v, variant))
        const codes = errorCodes(response.fields, v, decoded)
        assert.ok(codes.every(c => c === CODE), `${request.name} v${v} variant ${variant}: every error code is the failure's: ${codes.join(', ')}`)
        // variant 0 names two of every resource: each must come back with the code
        if (variant === 0) assert.ok(codes.length > 0, `${request.name} v${v}: the code reaches the client`)
      }
    }
  })
}

test('resources come back under their own names and indexes, by name or by kind', () => {
  const partitions = roundTrip(CreatePartitionsRequest, CreatePartitionsResponse, 3, {
    topics: [{ name: 'a', count: 12_000_000, assignments: null }, { name: 'b', count: 2, assignments: null }], timeoutMs: 0, validateOnly: false,
  })
  assert.deepEqual(partitions.results.map(r => [r.name, r.errorCode]), [['a', CODE], ['b', CODE]])

  const groups = roundTrip(DeleteGroupsRequest, DeleteGroupsResponse, 2, { groupsNames: ['g1', 'g2'] })
  assert.deepEqual(groups.results.map(r => [r.groupId, r.errorCode]), [['g1', CODE], ['g2', CODE]])

  const offsets = roundTrip(OffsetFetchRequest, OffsetFetchResponse, 1, { groupId: 'g', topics: [{ name: 't', partitionIndexes: [3, 5] }] })
  assert.deepEqual(offsets.topics[0]?.partitions.map(p => [p.partitionIndex, p.errorCode]), [[3, CODE], [5, CODE]])

  const fetched = roundTrip(FetchRequest, FetchResponse, 4, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1, isolationLevel: 0,
    topics: [{ topic: 't', partitions: [{ partition: 7, fetchOffset: 0, partitionMaxBytes: 1 }] }],
  })
  const p = fetched.responses[0]?.partitions[0]
  assert.deepEqual([fetched.responses[0]?.topic, p?.partitionIndex, p?.errorCode, p?.records?.length], ['t', 7, CODE, 0])
})

test('an answer whose error message overflows a non-flexible string encodes once the message is clipped', () => {
  const answer = { throttleTimeMs: 0, results: [{ name: 't', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${'x'.repeat(40_000)}' does not exist.` }] }
  assert.throws(() => encodeToBuffer(CreatePartitionsResponse, 1, answer), RangeError)
  const clipped = decode(CreatePartitionsResponse, 1, new Reader(encodeToBuffer(CreatePartitionsResponse, 1, clipErrorMessages(CreatePartitionsResponse, 1, answer) as never)))
  assert.equal(clipped.results[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  assert.match(clipped.results[0]?.errorMessage ?? '', /^The topic 'x+\.\.\. \(40028 characters\)$/)
})

function roundTrip<Q extends MessageDescriptor, R extends MessageDescriptor> (request: Q, response: R, version: number, value: unknown): ReturnType<typeof decode<R>> {
  const answer = errorResponse(request, response, version, value, CODE, 'refused')
  return decode(response, version, new Reader(encodeToBuffer(response, version, answer as never)))
}

/** Every errorCode on the wire at this version (decode fills absent ones in with 0). */
function errorCodes (fields: FieldsDescriptor, version: number, value: unknown): number[] {
  if (value === null || typeof value !== 'object') return []
  return Object.entries(fields).flatMap(([name, f]) => {
    const d = f.descriptor
    if (!inRange(d.versions, version)) return []
    const v = (value as Record<string, unknown>)[name]
    if (name === 'errorCode' || name.endsWith('ErrorCode')) return [v as number]
    const nested = d.kind === 'array' ? d.element : d.fields
    if (typeof nested !== 'object') return []
    return (Array.isArray(v) ? v : [v]).flatMap(item => errorCodes(nested, version, item))
  })
}
