import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Gauge, Registry } from 'prom-client'
import { silentLogger } from '../logger.js'
import { MetricsServer } from './metrics-server.js'

test('GET /metrics answers the registry in Prometheus text; other paths 404, other methods 405', async t => {
  const registry = new Registry()
  new Gauge({ name: 'answer', help: 'the answer', registers: [registry] }).set(42)
  const server = new MetricsServer(registry, silentLogger())
  await server.listen({ host: '127.0.0.1', port: 0, url: 'http://127.0.0.1:0' })
  t.after(async () => await server.close())
  const base = `http://127.0.0.1:${server.port}`

  const ok = await fetch(`${base}/metrics`)
  assert.equal(ok.status, 200)
  assert.equal(ok.headers.get('content-type'), registry.contentType)
  assert.match(await ok.text(), /^# TYPE answer gauge\nanswer 42$/m)
  const head = await fetch(`${base}/metrics?x=1`, { method: 'HEAD' })
  assert.equal(head.status, 200)
  assert.equal((await fetch(`${base}/`)).status, 404)
  const post = await fetch(`${base}/metrics`, { method: 'POST' })
  assert.equal(post.status, 405)
  assert.equal(post.headers.get('allow'), 'GET, HEAD')
})

test('close() ends at once though a scraper keeps its connection alive', async () => {
  const server = new MetricsServer(new Registry(), silentLogger())
  await server.listen({ host: '127.0.0.1', port: 0, url: 'http://127.0.0.1:0' })
  const url = `http://127.0.0.1:${server.port}/metrics`
  const response = await fetch(url) // fetch keeps the socket for reuse
  await response.text()
  await server.close()
  await assert.rejects(fetch(url))
})
