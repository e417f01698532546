import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const heapGrowth = fileURLToPath(new URL('./heap-growth.js', import.meta.url))

/**
 * The factors V8 used for the old generation's next limit after each of two full collections, as
 * --trace-gc-verbose prints them: one with the growth at 1.5, one after setBrokerHeapGrowth.
 */
function factorsAroundSetting (nodeFlags: string[]): string[] {
  const script = `import(${JSON.stringify(heapGrowth)}).then(m => {
    if (!process.execArgv.some(a => a.startsWith('--heap-growing-percent'))) require('node:v8').setFlagsFromString('--heap-growing-percent=50')
    globalThis.gc()
    m.setBrokerHeapGrowth()
    globalThis.gc()
  })`
  const out = execFileSync(process.execPath, [...nodeFlags, '--expose-gc', '--trace-gc-verbose', '-e', script], { encoding: 'utf8' })
  const factors = [...out.matchAll(/\[HeapController\] Limit: .* \(([0-9.]+)\)/g)].map(m => m[1]!)
  assert.ok(factors.length >= 2, `fewer than two limits in V8's trace:\n${out.slice(0, 2000)}`)
  return factors.slice(-2)
}

test('a broker grows its heap by 4, the top of V8\'s own range, whatever V8 would have chosen', () => {
  assert.deepEqual(factorsAroundSetting([]), ['1.5', '4.0'])
})

test('--heap-growing-percent on node\'s own command line wins', () => {
  assert.deepEqual(factorsAroundSetting(['--heap-growing-percent=50']), ['1.5', '1.5'])
})
