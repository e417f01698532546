import { test } from 'node:test'
import assert from 'node:assert/strict'
import { crc32c, crc32cSoftware } from './crc32c.js'

test('crc32c check value of "123456789" is 0xE3069283 (RFC 3720)', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283)
  assert.equal(crc32cSoftware(Buffer.from('123456789')), 0xe3069283)
})

test('crc32c of an empty range is 0', () => {
  assert.equal(crc32c(Buffer.alloc(0)), 0)
  assert.equal(crc32c(Buffer.from('abc'), 2, 2), 0)
})

test('native and software implementations agree on every length and offset', () => {
  const buf = Buffer.alloc(300)
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 131 + 7) & 0xff
  for (let start = 0; start < 9; start++) {
    for (let end = start; end <= buf.length; end += 13) {
      assert.equal(crc32c(buf, start, end), crc32cSoftware(buf, start, end), `range ${start}..${end}`)
      assert.equal(crc32c(buf, start, end), crc32cSoftware(buf.subarray(start, end)))
    }
  }
})
