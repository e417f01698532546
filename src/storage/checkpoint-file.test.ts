import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CheckpointFile, readOffsetCheckpoint, writeOffsetCheckpoint } from './checkpoint-file.js'

test('offset checkpoints are Kafka text: version, count, "topic partition offset"', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'checkpoint-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = new CheckpointFile(join(dir, 'replication-offset-checkpoint'), 3)
  assert.deepEqual(readOffsetCheckpoint(file), new Map())
  writeOffsetCheckpoint(file, [{ topic: 'users', partition: 0, offset: 42 }, { topic: 'my-topic', partition: 11, offset: 7 }])
  assert.equal(readFileSync(file.path, 'utf8'), '0\n2\nusers 0 42\nmy-topic 11 7\n')
  assert.deepEqual(readOffsetCheckpoint(file), new Map([['users-0', 42], ['my-topic-11', 7]]))
  writeFileSync(file.path, '0\n3\nusers 0 42\n')
  assert.throws(() => file.read(), /count 3/)
  writeFileSync(file.path, '1\n0\n')
  assert.throws(() => file.read(), /version/)
})
