import { test } from 'node:test'
import assert from 'node:assert/strict'
import { networkBufferPool } from '../protocol/buffer-pool.js'
import { FrameReader } from './frame-reader.js'

function framed (...payloads: Buffer[]): Buffer {
  return Buffer.concat(payloads.flatMap(p => { const size = Buffer.alloc(4); size.writeInt32BE(p.length); return [size, p] }))
}

function reader (frames: Buffer[], refusals: string[] = []): FrameReader {
  return new FrameReader({
    allocate: size => Buffer.allocUnsafe(size),
    refuse: size => size < 1 ? `size ${size}` : undefined,
    onRefused: reason => refusals.push(reason),
    onFrame: frame => { frames.push(frame); return true },
  })
}

test('frames come out whole and in order however the reads cut the stream, and never share the reads\' memory', () => {
  const payloads = [Buffer.from('a'), Buffer.from('bc'.repeat(50)), Buffer.alloc(70_000, 7), Buffer.from('last')]
  const stream = framed(...payloads)
  for (const cut of [1, 3, 5, 4096, stream.length]) {
    const frames: Buffer[] = []
    const r = reader(frames)
    const read = Buffer.alloc(cut) // one buffer reused for every read, as a client's onread does
    for (let at = 0; at < stream.length; at += cut) {
      const n = stream.copy(read, 0, at, Math.min(stream.length, at + cut))
      r.push(read.subarray(0, n))
      read.fill(0xee)
    }
    assert.deepEqual(frames, payloads, `reads of ${cut} bytes`)
  }
})

test('a refused size stops the reader; a frame above the pool\'s largest class is gathered from copies of its pieces', () => {
  const frames: Buffer[] = []
  const refusals: string[] = []
  const r = reader(frames, refusals)
  const big = Buffer.alloc(networkBufferPool.maxBytes + 10, 3)
  const stream = framed(big)
  const read = Buffer.alloc(65_536)
  for (let at = 0; at < stream.length; at += read.length) {
    const n = stream.copy(read, 0, at, Math.min(stream.length, at + read.length))
    r.push(read.subarray(0, n))
    read.fill(0)
  }
  assert.equal(frames.length, 1)
  assert.ok(frames[0]!.equals(big))
  r.push(Buffer.from([0, 0, 0, 0, 1, 2, 3]))
  assert.deepEqual(refusals, ['size 0'])
  r.push(framed(Buffer.from('after')))
  assert.equal(frames.length, 1, 'nothing is read after a refusal')
})
