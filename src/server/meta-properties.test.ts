import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readMetaProperties, writeMetaProperties } from './meta-properties.js'

test('meta.properties is written only when it changes, so a restart on a full disk writes nothing', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meta-properties-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'meta.properties')
  writeMetaProperties(dir, { clusterId: 'abc', brokerId: 1 })
  assert.match(readFileSync(file, 'utf8'), /^#\n#.*\ncluster\.id=abc\nversion=0\nbroker\.id=1\n$/)
  const first = statSync(file)
  writeMetaProperties(dir, { clusterId: 'abc', brokerId: 1 })
  assert.equal(statSync(file).ino, first.ino, 'unchanged: not rewritten')
  writeMetaProperties(dir, { clusterId: 'abc', brokerId: 2 })
  assert.notEqual(statSync(file).ino, first.ino, 'changed: a new file renamed over the old one')
  assert.deepEqual(readMetaProperties(dir), { clusterId: 'abc', brokerId: 2 })
})
