import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  authMessage, clientProof, credentialFromSaltedPassword, formatCredential, newCredential, parseClientFinal, parseClientFirst, parseCredential,
  parseServerFinal, parseServerFirst, saltedPassword, scramMechanism, serverSignature, verifyClientProof,
} from './scram.js'

// RFC 7677, section 3: the SCRAM-SHA-256 exchange for user "user", password "pencil"
const clientFirst = 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO'
const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'
const clientFinal = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='
const serverFinal = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='
const sha256 = scramMechanism('SCRAM-SHA-256')!

test('RFC 7677\'s SCRAM-SHA-256 exchange: proof, verification and server signature', () => {
  const first = parseClientFirst(clientFirst)!
  assert.deepEqual({ username: first.username, nonce: first.nonce, bare: first.bare, gs2Header: first.gs2Header }, { username: 'user', nonce: 'rOprNGfwEbeRWgbNEkqO', bare: 'n=user,r=rOprNGfwEbeRWgbNEkqO', gs2Header: 'n,,' })
  const sf = parseServerFirst(serverFirst)!
  assert.equal(sf.iterations, 4096)
  const final = parseClientFinal(clientFinal)!
  const auth = authMessage(first.bare, serverFirst, final.withoutProof)
  const salted = saltedPassword(sha256, 'pencil', sf.salt, sf.iterations)
  assert.deepEqual(clientProof(sha256, salted, auth), final.proof)
  const credential = credentialFromSaltedPassword(sha256, salted, sf.salt, sf.iterations)
  assert.ok(verifyClientProof(sha256, credential, auth, final.proof))
  assert.ok(!verifyClientProof(sha256, credential, auth + 'x', final.proof))
  assert.ok(!verifyClientProof(sha256, credential, auth, final.proof.subarray(1)), 'a short proof is refused before any comparison')
  assert.deepEqual(serverSignature(sha256, credential.serverKey, auth), parseServerFinal(serverFinal)!.serverSignature)
})

test('credentials round-trip through Kafka\'s text form; other text is refused', () => {
  for (const name of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
    const m = scramMechanism(name)!
    const c = newCredential(m, 'secret', 4096)
    const text = formatCredential(c)
    assert.match(text, /^salt=[A-Za-z0-9+/=]+,stored_key=[A-Za-z0-9+/=]+,server_key=[A-Za-z0-9+/=]+,iterations=4096$/)
    assert.deepEqual(parseCredential(m, text), c)
  }
  assert.equal(parseCredential(sha256, 'salt=AA==,stored_key=AA==,server_key=AA==,iterations=4096'), undefined, 'keys of the wrong length')
  assert.equal(parseCredential(sha256, 'garbage'), undefined)
})

test('messages that are not SCRAM do not parse (so the exchange fails instead of guessing)', () => {
  for (const bad of ['', 'n,,', 'y,,n=user,r=abc', 'p=tls-unique,,n=u,r=abc', 'n,,n=,r=abc', 'n,,n=user,r=', 'n,,n=us=er,r=abc']) assert.equal(parseClientFirst(bad), undefined, bad)
  assert.equal(parseClientFirst('n,,n=a=2Cb=3Dc,r=xyz')?.username, 'a,b=c', 'saslname escapes')
  assert.equal(parseClientFirst('n,a=user,n=user,r=xyz')?.authorizationId, 'user')
  for (const bad of ['', 'c=biws,r=abc', 'c=biws,p=abc', 'r=abc,c=biws,p=AA==']) assert.equal(parseClientFinal(bad), undefined, bad)
  assert.equal(parseServerFirst('r=abc,s=AA==,i=9999999999'), undefined, 'an iteration count beyond 9 digits')
  assert.deepEqual(parseServerFinal('e=invalid-proof'), { error: 'invalid-proof' })
})
