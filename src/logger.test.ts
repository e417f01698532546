import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from './logger.js'

test('a line is in server.log, as JSON, when the call that logged it returns (pretty is for the console only)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'logger-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  // Console output of the pretty logger is not checked here; silence it.
  t.mock.method(process.stdout, 'write', () => true)
  const log = createLogger({ level: 'info', format: 'pretty', dir }).child({ component: 'storage' })
  log.info('loaded partition log', { topicPartition: 't-0' })
  log.debug('below the level')
  const lines = readFileSync(join(dir, 'server.log'), 'utf8').split('\n')
  assert.equal(lines.length, 2)
  assert.deepEqual(lines[1], '')
  const line = JSON.parse(lines[0]!) as Record<string, unknown>
  assert.deepEqual({ ...line, timestamp: typeof line.timestamp }, { component: 'storage', level: 'info', message: 'loaded partition log', topicPartition: 't-0', timestamp: 'string' })
})

test('a log file that cannot be written is reported as the logger\'s error, not thrown at the caller', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'logger-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  t.mock.method(process.stdout, 'write', () => true)
  symlinkSync('/dev/full', join(dir, 'server.log'))
  const log = createLogger({ level: 'info', format: 'json', dir })
  const errors: string[] = []
  log.on('error', (err: NodeJS.ErrnoException) => errors.push(err.code ?? ''))
  log.info('first')
  log.info('second')
  assert.deepEqual(errors, ['ENOSPC'])
})
