import { test } from 'node:test'
import assert from 'node:assert/strict'
import { brokerIdZnode, clusterIdZnode, controllerZnode, logDirEventNotificationZnode, offlineReplicasZnode } from './znodes.js'

test('/brokers/ids/<id> carries Kafka\'s fields and decodes back to the endpoints', () => {
  const endpoints = [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '10.0.0.1', port: 9092 }]
  const data = brokerIdZnode.encode(endpoints, null, 1598226962606)
  const raw = JSON.parse(data.toString()) as Record<string, unknown>
  assert.deepEqual(raw, {
    features: {}, listener_security_protocol_map: { PLAINTEXT: 'PLAINTEXT' }, endpoints: ['PLAINTEXT://10.0.0.1:9092'],
    rack: null, jmx_port: -1, port: 9092, host: '10.0.0.1', version: 5, timestamp: '1598226962606',
  })
  assert.deepEqual(brokerIdZnode.decode(4, data, 7n), { id: 4, endpoints, rack: null, epoch: 7n })
})

test('/controller and /cluster/id round trip', () => {
  assert.equal(controllerZnode.decode(controllerZnode.encode(2, 1)), 2)
  assert.equal(clusterIdZnode.decode(clusterIdZnode.encode('abc')), 'abc')
  assert.deepEqual(JSON.parse(clusterIdZnode.encode('abc').toString()), { version: '1', id: 'abc' })
})

test('a log dir event is Kafka\'s notification; /offline_replicas/<id> round trips', () => {
  assert.deepEqual(JSON.parse(logDirEventNotificationZnode.encode(3).toString()), { version: 1, broker: 3, event: 1 })
  assert.equal(logDirEventNotificationZnode.decode(logDirEventNotificationZnode.encode(3)), 3)
  const offline = { brokerId: 3, logDirs: ['/mnt/d1'], partitions: [{ topic: 'users', partition: 2 }] }
  assert.deepEqual(JSON.parse(offlineReplicasZnode.encode(offline).toString()), { version: 1, broker: 3, log_dirs: ['/mnt/d1'], partitions: [{ topic: 'users', partition: 2 }] })
  assert.deepEqual(offlineReplicasZnode.decode(offlineReplicasZnode.encode(offline)), offline)
})
