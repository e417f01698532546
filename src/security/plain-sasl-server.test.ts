import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PlainSaslServer } from './plain-sasl-server.js'

const users = new Map([['alice', 'alice-secret']])
const server = (): PlainSaslServer => new PlainSaslServer(u => users.get(u))
const token = (s: string): Buffer => Buffer.from(s, 'utf8')

test('PLAIN: the right password completes as that user; everything else fails with Kafka\'s messages', () => {
  const ok = server()
  assert.deepEqual(ok.evaluateResponse(token('\u0000alice\u0000alice-secret')), Buffer.alloc(0))
  assert.ok(ok.isComplete)
  assert.equal(ok.authorizationId, 'alice')
  assert.equal(server().evaluateResponse(token('alice\u0000alice\u0000alice-secret')).length, 0, 'an authzid equal to the username is fine')
  assert.throws(() => server().evaluateResponse(token('\u0000alice\u0000wrong')), /^SaslAuthenticationError: Authentication failed: Invalid username or password$/)
  assert.throws(() => server().evaluateResponse(token('\u0000mallory\u0000alice-secret')), /Invalid username or password/)
  assert.throws(() => server().evaluateResponse(token('bob\u0000alice\u0000alice-secret')), /authorization id that is different/)
  assert.throws(() => server().evaluateResponse(token('\u0000\u0000pw')), /username not specified/)
  assert.throws(() => server().evaluateResponse(token('\u0000alice\u0000')), /password not specified/)
  assert.throws(() => server().evaluateResponse(token('alice-secret')), /expected 3 tokens, got 1/)
  assert.throws(() => ok.evaluateResponse(token('\u0000alice\u0000alice-secret')), /already complete/)
})
