import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BufferPool } from './buffer-pool.js'

test('a released buffer is lent again for a request of its size class; small and huge ones are never pooled', () => {
  const pool = new BufferPool(1024 * 1024, 64, 4096)
  const a = pool.allocate(100) // class 128
  assert.equal(a.length, 100)
  pool.release(a.subarray(10, 20)) // any view of it gives it back
  assert.equal(pool.freeBytesHeld, 128)
  const b = pool.allocate(120)
  assert.equal(b.buffer, a.buffer, 'the same memory again')
  assert.equal(pool.freeBytesHeld, 0)
  assert.notEqual(pool.allocate(100).buffer, a.buffer, 'lent out: not lent twice')

  const small = pool.allocate(63)
  const huge = pool.allocate(4097)
  pool.release(small)
  pool.release(huge)
  assert.equal(pool.freeBytesHeld, 0)
})

test('a second release, or a buffer the pool never lent, is ignored', () => {
  const pool = new BufferPool(1024 * 1024, 64, 4096)
  const a = pool.allocate(200)
  pool.release(a)
  pool.release(a)
  assert.equal(pool.freeBytesHeld, 256)
  pool.release(Buffer.alloc(256))
  assert.equal(pool.freeBytesHeld, 256)
  const first = pool.allocate(256)
  const second = pool.allocate(256)
  assert.notEqual(first.buffer, second.buffer, 'a double release must not hand one buffer to two users')
})

test('the pool keeps no more than maxFreeBytes; a lease gives back all it took at once', () => {
  const pool = new BufferPool(300, 64, 4096)
  const lease = pool.lease()
  const taken = [lease.allocate(128), lease.allocate(128), lease.allocate(128), lease.allocate(10)]
  assert.equal(taken.length, 4)
  lease.release()
  assert.equal(pool.freeBytesHeld, 256, 'the third 128 is dropped over the 300-byte cap; the 10 was never pooled')
  lease.release()
  assert.equal(pool.freeBytesHeld, 256, 'a lease releases once')
})

test('by default the largest buffer pooled is the most the pool keeps free', () => {
  const pool = new BufferPool(32 * 1024 * 1024)
  const read = pool.allocate(16 * 1024 * 1024 + 4096) // a 16 MiB partition read and the index interval: class 32 MiB
  pool.release(read)
  assert.equal(pool.freeBytesHeld, 32 * 1024 * 1024)
  assert.equal(pool.allocate(20 * 1024 * 1024).buffer, read.buffer, 'the next large read reuses it')
  const over = pool.allocate(32 * 1024 * 1024 + 1)
  pool.release(over)
  assert.equal(pool.freeBytesHeld, 0, 'larger than the pool could keep: never pooled')
})
