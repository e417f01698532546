import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseJaasConfig, PLAIN_LOGIN_MODULE } from './jaas-config.js'

test('a JAAS line as Kafka takes it: module, flag, quoted and bare options, the closing semicolon', () => {
  const { config } = parseJaasConfig('k', `${PLAIN_LOGIN_MODULE} required username="admin" password="a \\"quoted\\" pw;" user_alice=bare ;`)
  assert.equal(config?.loginModule, PLAIN_LOGIN_MODULE)
  assert.equal(config?.controlFlag, 'required')
  assert.deepEqual([...config!.options], [['username', 'admin'], ['password', 'a "quoted" pw;'], ['user_alice', 'bare']])
})

test('problems name the key and never echo a value', () => {
  const cases = [
    `${PLAIN_LOGIN_MODULE} required username="admin" password="s3cret"`,
    `${PLAIN_LOGIN_MODULE} mandatory password="s3cret";`,
    `${PLAIN_LOGIN_MODULE} required password "s3cret";`,
    `${PLAIN_LOGIN_MODULE} required password="s3cret"; ${PLAIN_LOGIN_MODULE} required;`,
    '"quoted" required;',
    '',
  ]
  for (const text of cases) {
    const { config, problem } = parseJaasConfig('listener.name.x.plain.sasl.jaas.config', text)
    assert.equal(config, undefined, text)
    assert.match(problem ?? '', /^"listener\.name\.x\.plain\.sasl\.jaas\.config" is not a valid JAAS configuration/)
    assert.ok(!(problem ?? '').includes('s3cret'))
  }
})
