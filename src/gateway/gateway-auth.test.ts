import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { ANONYMOUS_PRINCIPAL, GatewayAuth } from './gateway-auth.js'

const TOKEN = 'token-0123456789abcdef'
const ALICE = 'alice-token-0123456789'
const tokens = (...entries: Array<[string, string?]>): Map<string, string | undefined> => new Map(entries.map(([t, p]) => [t, p]))
const request = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage
const url = (query = ''): URL => new URL(`http://gw/ws${query}`)

test('tickets are single-use, expire, and act as the principal of the token that asked', () => {
  let now = 1000
  const auth = new GatewayAuth(tokens([TOKEN], [ALICE, 'User:alice']), [], 30_000, () => now)
  const { ticket } = auth.issueTicket('User:alice')
  assert.deepEqual(auth.checkUpgrade(request({}), url(`?ticket=${ticket}`), []), { ok: true, principal: 'User:alice' })
  assert.equal(auth.checkUpgrade(request({}), url(`?ticket=${ticket}`), []).ok, false, 'used once already')
  const late = auth.issueTicket(ANONYMOUS_PRINCIPAL).ticket
  now += 30_000
  assert.equal(auth.checkUpgrade(request({}), url(`?ticket=${late}`), []).ok, false, 'expired')
})

test('a bearer.<token> subprotocol, and nothing else, stands in for a ticket; a token without a principal is User:ANONYMOUS', () => {
  const auth = new GatewayAuth(tokens([TOKEN], [ALICE, 'User:alice']), [], 30_000)
  assert.deepEqual(auth.checkUpgrade(request({}), url(), ['kafka.v1', `bearer.${TOKEN}`]), { ok: true, principal: ANONYMOUS_PRINCIPAL })
  assert.deepEqual(auth.checkUpgrade(request({}), url(), ['kafka.v1', `bearer.${ALICE}`]), { ok: true, principal: 'User:alice' })
  assert.deepEqual(auth.checkUpgrade(request({}), url(), ['kafka.v1', 'bearer.guess']), { ok: false, status: 401, reason: 'a ticket (?ticket=) or a bearer.<token> subprotocol is required' })
  assert.equal(auth.checkUpgrade(request({}), url(), ['kafka.v1']).ok, false)
  assert.deepEqual(new GatewayAuth(new Map(), [], 30_000).checkUpgrade(request({}), url(), []), { ok: true, principal: ANONYMOUS_PRINCIPAL }, 'no tokens configured: open (loopback only)')
})

test('Origin: the listed ones, or the gateway\'s own when none are listed; scripts send none', () => {
  const listed = new GatewayAuth(new Map(), ['https://app.example'], 30_000)
  assert.ok(listed.originAllowed(request({ origin: 'https://app.example' })))
  assert.ok(!listed.originAllowed(request({ origin: 'https://evil.example' })))
  assert.ok(listed.originAllowed(request({})))
  const own = new GatewayAuth(new Map(), [], 30_000)
  assert.ok(own.originAllowed(request({ origin: 'http://127.0.0.1:8080', host: '127.0.0.1:8080' })))
  assert.ok(!own.originAllowed(request({ origin: 'http://evil.example', host: '127.0.0.1:8080' })))
  assert.equal(own.checkUpgrade(request({ origin: 'http://evil.example', host: 'h' }), url(), []).ok, false)
  assert.ok(new GatewayAuth(new Map(), ['*'], 30_000).originAllowed(request({ origin: 'http://any.example' })))
})

test('the dashboard: a token or a live session cookie opens the page, the API and the socket, as the token\'s principal', () => {
  let now = 1000
  const auth = new GatewayAuth(tokens([TOKEN], [ALICE, 'User:alice']), [], 30_000, () => now)
  assert.equal(auth.requestPrincipal(request({})), undefined)
  assert.equal(auth.requestPrincipal(request({ authorization: 'Bearer guess' })), undefined)
  assert.equal(auth.requestPrincipal(request({ authorization: `Bearer ${TOKEN}` })), ANONYMOUS_PRINCIPAL)
  assert.equal(auth.requestPrincipal(request({ authorization: `Bearer ${ALICE}` })), 'User:alice')
  const setCookie = auth.issueSessionCookie('User:alice')
  assert.match(setCookie, /^kafka_gateway_session=\d+\.[\w-]+\.[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/)
  const session = setCookie.split(';')[0]!
  const cookie = `theme=dark; ${session}`
  assert.equal(auth.requestPrincipal(request({ cookie })), 'User:alice')
  assert.deepEqual(auth.checkUpgrade(request({ cookie }), url(), ['kafka.v1']), { ok: true, principal: 'User:alice' })
  assert.equal(new GatewayAuth(tokens([TOKEN], [ALICE, 'User:alice']), [], 30_000, () => now).requestPrincipal(request({ cookie })), 'User:alice', 'another gateway (or this one restarted) with the same tokens accepts it')
  assert.equal(new GatewayAuth(tokens(['another-token-0123456789']), [], 30_000, () => now).requestPrincipal(request({ cookie })), undefined, 'changed tokens end the session')
  assert.equal(new GatewayAuth(tokens([TOKEN], [ALICE, 'User:admin']), [], 30_000, () => now).requestPrincipal(request({ cookie })), undefined, 'a token mapped to another principal ends the session')
  const [expires, principal, mac] = session.split('=')[1]!.split('.')
  assert.equal(auth.requestPrincipal(request({ cookie: `kafka_gateway_session=${Number(expires) + 1000}.${principal!}.${mac!}` })), undefined, 'a later expiry is not signed')
  assert.equal(auth.requestPrincipal(request({ cookie: `kafka_gateway_session=${expires!}.${Buffer.from('User:admin').toString('base64url')}.${mac!}` })), undefined, 'another principal is not signed')
  assert.equal(auth.requestPrincipal(request({ cookie: 'kafka_gateway_session=forged' })), undefined)
  now += 12 * 60 * 60 * 1000
  assert.equal(auth.requestPrincipal(request({ cookie })), undefined, 'expired')
  assert.equal(new GatewayAuth(new Map(), [], 30_000).requestPrincipal(request({})), ANONYMOUS_PRINCIPAL, 'no tokens configured: open (loopback only)')
})
