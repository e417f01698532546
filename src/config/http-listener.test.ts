import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseHttpListener } from './http-listener.js'

test('http://host:port, with a bracketed IPv6 host and an optional trailing slash', () => {
  assert.deepEqual(parseHttpListener('k', 'http://127.0.0.1:9404'), { listener: { host: '127.0.0.1', port: 9404, url: 'http://127.0.0.1:9404' } })
  assert.deepEqual(parseHttpListener('k', 'http://localhost:0/'), { listener: { host: 'localhost', port: 0, url: 'http://localhost:0' } })
  assert.deepEqual(parseHttpListener('k', 'http://[::1]:9404'), { listener: { host: '::1', port: 9404, url: 'http://[::1]:9404' } })
})

test('anything else is a problem naming the key and the value', () => {
  for (const bad of ['127.0.0.1:9404', 'https://127.0.0.1:9404', 'http://127.0.0.1', 'http://:9404', 'http://127.0.0.1:99999', 'http://h:1/metrics', 'http://u@h:1', 'PLAINTEXT://:9092']) {
    assert.deepEqual(parseHttpListener('metrics.listener', bad), { problem: `"metrics.listener" must look like http://host:port, got ${JSON.stringify(bad)}` }, bad)
  }
})
