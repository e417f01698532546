import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { GatewayAuth } from './gateway-auth.js'

const TOKEN = 'token-0123456789abcdef'
const request = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage
const url = (query = ''): URL => new URL(`http://gw/ws${query}`)

test('tickets are single-use and expire', () => {
  let now = 1000
  const auth = new GatewayAuth([TOKEN], [], 30_000, () => now)
  const { ticket } = auth.issueTicket()
  assert.deepEqual(auth.checkUpgrade(request({}), url(`?ticket=${ticket}`), []), { ok: true })
  assert.equal(auth.checkUpgrade(request({}), url(`?ticket=${ticket}`), []).ok, false, 'used once already')
  const late = auth.issueTicket().ticket
  now += 30_000
  assert.equal(auth.checkUpgrade(request({}), url(`?ticket=${late}`), []).ok, false, 'expired')
})

test('a bearer.<token> subprotocol, and nothing else, stands in for a ticket', () => {
  const auth = new GatewayAuth([TOKEN], [], 30_000)
  assert.ok(auth.checkUpgrade(request({}), url(), ['kafka.v1', `bearer.${TOKEN}`]).ok)
  assert.deepEqual(auth.checkUpgrade(request({}), url(), ['kafka.v1', 'bearer.guess']), { ok: false, status: 401, reason: 'a ticket (?ticket=) or a bearer.<token> subprotocol is required' })
  assert.equal(auth.checkUpgrade(request({}), url(), ['kafka.v1']).ok, false)
  assert.ok(new GatewayAuth([], [], 30_000).checkUpgrade(request({}), url(), []).ok, 'no tokens configured: open (loopback only)')
})

test('Origin: the listed ones, or the gateway\'s own when none are listed; scripts send none', () => {
  const listed = new GatewayAuth([], ['https://app.example'], 30_000)
  assert.ok(listed.originAllowed(request({ origin: 'https://app.example' })))
  assert.ok(!listed.originAllowed(request({ origin: 'https://evil.example' })))
  assert.ok(listed.originAllowed(request({})))
  const own = new GatewayAuth([], [], 30_000)
  assert.ok(own.originAllowed(request({ origin: 'http://127.0.0.1:8080', host: '127.0.0.1:8080' })))
  assert.ok(!own.originAllowed(request({ origin: 'http://evil.example', host: '127.0.0.1:8080' })))
  assert.equal(own.checkUpgrade(request({ origin: 'http://evil.example', host: 'h' }), url(), []).ok, false)
  assert.ok(new GatewayAuth([], ['*'], 30_000).originAllowed(request({ origin: 'http://any.example' })))
})

test('the dashboard: a token or a live session cookie opens the page, the API and the socket', () => {
  let now = 1000
  const auth = new GatewayAuth([TOKEN], [], 30_000, () => now)
  assert.ok(!auth.requestAllowed(request({})))
  assert.ok(!auth.requestAllowed(request({ authorization: 'Bearer guess' })))
  assert.ok(auth.requestAllowed(request({ authorization: `Bearer ${TOKEN}` })))
  const setCookie = auth.issueSessionCookie()
  assert.match(setCookie, /^kafka_gateway_session=\d+\.[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/)
  const session = setCookie.split(';')[0]!
  const cookie = `theme=dark; ${session}`
  assert.ok(auth.requestAllowed(request({ cookie })))
  assert.ok(auth.checkUpgrade(request({ cookie }), url(), ['kafka.v1']).ok)
  assert.ok(new GatewayAuth([TOKEN], [], 30_000, () => now).requestAllowed(request({ cookie })), 'another gateway (or this one restarted) with the same tokens accepts it')
  assert.ok(!new GatewayAuth(['another-token-0123456789'], [], 30_000, () => now).requestAllowed(request({ cookie })), 'changed tokens end the session')
  const [expires, mac] = session.split('=')[1]!.split('.')
  assert.ok(!auth.requestAllowed(request({ cookie: `kafka_gateway_session=${Number(expires) + 1000}.${mac!}` })), 'a later expiry is not signed')
  assert.ok(!auth.requestAllowed(request({ cookie: 'kafka_gateway_session=forged' })))
  now += 12 * 60 * 60 * 1000
  assert.ok(!auth.requestAllowed(request({ cookie })), 'expired')
  assert.ok(new GatewayAuth([], [], 30_000).requestAllowed(request({})), 'no tokens configured: open (loopback only)')
})
