import { test } from 'node:test'
import assert from 'node:assert/strict'
import { authMessage, clientProof, formatClientFinalWithoutProof, formatClientFirst, newCredential, parseServerFinal, parseServerFirst, saltedPassword, scramMechanism, serverKeyOf, serverSignature } from './scram.js'
import { ScramSaslServer } from './scram-sasl-server.js'
import { SaslAuthenticationError } from './sasl-server.js'

const m = scramMechanism('SCRAM-SHA-512')!
const alice = newCredential(m, 'alice-secret', 4096)
const credentialOf = (user: string, mechanism: string): typeof alice | undefined => user === 'alice' && mechanism === m.name ? alice : undefined

/** Runs a client through the exchange, with `tamper` changing the client-final message. */
function exchange (password: string, tamper: (final: string) => string = f => f): { server: ScramSaslServer, serverFinal: () => Buffer } {
  const server = new ScramSaslServer(m, credentialOf)
  const first = formatClientFirst('alice', 'client-nonce')
  const sfText = server.evaluateResponse(Buffer.from(first.message)).toString()
  const sf = parseServerFirst(sfText)!
  assert.ok(sf.nonce.startsWith('client-nonce') && sf.nonce.length > 'client-nonce'.length, 'the server extends the client nonce')
  const withoutProof = formatClientFinalWithoutProof('n,,', sf.nonce)
  const salted = saltedPassword(m, password, sf.salt, sf.iterations)
  const auth = authMessage(first.bare, sfText, withoutProof)
  const final = tamper(`${withoutProof},p=${clientProof(m, salted, auth).toString('base64')}`)
  return {
    server,
    serverFinal: () => {
      const reply = server.evaluateResponse(Buffer.from(final))
      assert.deepEqual(parseServerFinal(reply.toString())?.serverSignature, serverSignature(m, serverKeyOf(m, salted), auth), 'the server proves it holds the credential')
      return reply
    },
  }
}

test('the right password completes, with the ServerSignature the client can check', () => {
  const { server, serverFinal } = exchange('alice-secret')
  serverFinal()
  assert.ok(server.isComplete)
  assert.equal(server.authorizationId, 'alice')
})

test('a wrong password fails with the generic message (Kafka throws a plain SaslException)', () => {
  const { server, serverFinal } = exchange('wrong')
  assert.throws(serverFinal, (err: Error) => !(err instanceof SaslAuthenticationError))
  assert.ok(!server.isComplete)
  assert.throws(() => server.evaluateResponse(Buffer.from('anything')), /unexpected SCRAM message in state failed/)
})

test('nonce, channel binding, unknown users, authorization ids and order are checked', () => {
  assert.throws(exchange('alice-secret', f => f.replace(/r=client-nonce/, 'r=other-nonce')).serverFinal, /Invalid client nonce/)
  assert.throws(exchange('alice-secret', f => f.replace('c=biws', 'c=eSws')).serverFinal, /Invalid channel binding/)
  assert.throws(() => new ScramSaslServer(m, credentialOf).evaluateResponse(Buffer.from('n,,n=mallory,r=abc')), /Invalid user credentials/)
  assert.throws(() => new ScramSaslServer(m, credentialOf).evaluateResponse(Buffer.from('n,a=admin,n=alice,r=abc')), /authorization id that is different/)
  assert.throws(() => new ScramSaslServer(m, credentialOf).evaluateResponse(Buffer.from('c=biws,r=abc,p=AAAA')), /invalid SCRAM client-first/)
  assert.throws(() => new ScramSaslServer(m, credentialOf).evaluateResponse(Buffer.alloc(100_000, 0xff)), SaslAuthenticationError)
})
