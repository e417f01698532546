import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const heapGrowth = fileURLToPath(new URL('./heap-growth.js', import.meta.url))

/** The factor V8 used for the old generation's next limit after a full collection, as --trace-gc-verbose prints it. */
function growingFactorAfterFullGc (nodeFlags: string[]): string {
  const script = `import(${JSON.stringify(heapGrowth)}).then(m => { m.setBrokerHeapGrowth(); globalThis.gc() })`
  const out = execFileSync(process.execPath, [...nodeFlags, '--expose-gc', '--trace-gc-verbose', '-e', script], { encoding: 'utf8' })
  const limits = [...out.matchAll(/\[HeapController\] Limit: .* \(([0-9.]+)\)/g)]
  assert.ok(limits.length > 0, `no limit in V8's trace:\n${out.slice(0, 2000)}`)
  return limits.at(-1)![1]!
}

test('a broker grows its heap by a fixed factor of 2, whatever V8 would have chosen', () => {
  assert.equal(growingFactorAfterFullGc([]), '2.0')
})

test('--heap-growing-percent on node\'s own command line wins', () => {
  assert.equal(growingFactorAfterFullGc(['--heap-growing-percent=50']), '1.5')
})
