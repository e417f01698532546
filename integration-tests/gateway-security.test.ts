import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createTopic } from './support/admin.js'
import { BrowserSession, noChromium } from './support/browser.js'
import { runTool } from './support/cli-tool.js'
import { startCluster } from './support/cluster.js'
import { GatewayClient, GatewayProcess, type Frame } from './support/gateway.js'
import { addScramUser } from './support/secure-listeners.js'
import { createTestPki } from './support/test-pki.js'
import { waitFor } from './support/wait-for.js'

const TOPIC_AUTHORIZATION_FAILED = 29
const GROUP_AUTHORIZATION_FAILED = 30
const CLUSTER_AUTHORIZATION_FAILED = 31
const ALICE_TOKEN = 'alice-gateway-token-0123456789'
const ADMIN_TOKEN = 'admin-gateway-token-0123456789'
const GATEWAY_PASSWORD = 'gateway-secret'
const SUPER_USERS = 'User:ANONYMOUS;User:gateway;User:admin'

/**
 * One broker with Kafka's AclAuthorizer and a SASL_SSL listener (a CA and certificates made with
 * openssl), and a gateway in front of it that logs in there as User:gateway with SCRAM-SHA-512 over
 * TLS and maps its tokens to User:alice and User:admin; it reads the ACLs from ZooKeeper, whose
 * znodes the brokers protect (zookeeper.set.acl). PLAINTEXT is the inter-broker listener,
 * so its User:ANONYMOUS is a super user (docs/security.md) and the test's admin tools use it.
 */
test('a gateway in front of a SASL_SSL cluster with an authorizer: security keys for every client, tokens mapped to principals, the same ACLs as the brokers', async t => {
  const cleanups: Array<() => Promise<unknown> | unknown> = []
  t.after(async () => { for (const fn of cleanups.reverse()) await fn() })
  const pki = await createTestPki([])
  cleanups.push(() => pki.cleanup())
  const cluster = await startCluster({
    brokers: 1,
    extraListeners: ['SASL_SSL'],
    config: {
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': pki.broker.keystore,
      'ssl.key.password': pki.broker.keyPassword,
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
      'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
      'super.users': SUPER_USERS,
      // the brokers' znodes are theirs to write: the gateway reads the ACLs without any ZooKeeper identity
      'zookeeper.set.acl': true,
      'zookeeper.auth.digest': 'kafka:zk-secret',
    },
  })
  cleanups.push(cluster.cleanup)
  const plaintext = cluster.bootstrap
  await addScramUser(plaintext, 'gateway', GATEWAY_PASSWORD)
  for (const topic of ['t1', 't2']) await createTopic(plaintext, topic, { partitions: 2, replicationFactor: 1 })
  const acls = async (...args: string[]): Promise<string> => {
    const r = await runTool('kafka-acls', ['--bootstrap-server', plaintext, ...args])
    assert.equal(r.code, 0, `kafka-acls ${args.join(' ')}: ${r.stdout}${r.stderr}`)
    return r.stdout
  }
  await acls('--add', '--allow-principal', 'User:alice', '--operation', 'Write', '--topic', 't1')
  await acls('--add', '--consumer', '--allow-principal', 'User:alice', '--topic', 't1', '--group', 'g1')

  const gateway = await GatewayProcess.start(cluster.bootstrapFor('SASL_SSL'), {
    'security.protocol': 'SASL_SSL',
    'sasl.mechanism': 'SCRAM-SHA-512',
    'sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="gateway" password="${GATEWAY_PASSWORD}";`,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': pki.caCert,
    'zookeeper.connect': cluster.zkConnect,
    'gateway.auth.principals': `${ALICE_TOKEN} User:alice,${ADMIN_TOKEN} User:admin`,
    'super.users': SUPER_USERS,
  })
  cleanups.push(async () => await gateway.cleanup())
  const connect = async (token: string): Promise<GatewayClient> => {
    const c = await GatewayClient.connect(gateway.wsUrl, { protocols: ['kafka.v1', `bearer.${token}`] })
    cleanups.push(async () => await c.close())
    return c
  }
  const apiAs = async (token: string, path: string, init: { method?: string, body?: object } = {}): Promise<{ status: number, body: Frame }> => {
    const r = await fetch(`${gateway.url}/api/v1/${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${token}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    })
    return { status: r.status, body: await r.json() as Frame }
  }

  await t.test('over SASL_SSL with SCRAM-SHA-512: produce and subscribe, and the dashboard\'s admin client reads the cluster', async () => {
    const admin = await connect(ADMIN_TOKEN)
    const ack = await admin.request({ op: 'produce', id: 'a1', topic: 't2', partition: 0, value: { type: 'string', data: 'over TLS' } }, ['ack', 'error'])
    assert.equal(ack.op, 'ack', JSON.stringify(ack))
    await admin.request({ op: 'subscribe', sub: 's', topics: ['t2'], from: 'earliest' }, ['subscribed'])
    const [record] = await admin.waitForRecords('s', 1, 'the record produced over SASL_SSL')
    assert.deepEqual(record!.value, { type: 'string', data: 'over TLS' })
    // the dashboard's own clients (Metadata through ClusterView's admin) use the same keys
    await waitFor(async () => (await apiAs(ADMIN_TOKEN, 'topics')).body.total === 2, 'the dashboard to list t1 and t2 through its SASL_SSL admin client')
  })

  await t.test('alice may produce to t1, not t2; subscribe in g1, not g2; ACL changes reach the gateway without a restart', async () => {
    const alice = await connect(ALICE_TOKEN)
    const ok = await alice.request({ op: 'produce', id: 'p1', topic: 't1', value: { type: 'string', data: 'from alice' } }, ['ack', 'error'])
    assert.equal(ok.op, 'ack', JSON.stringify(ok))
    const refused = await alice.request({ op: 'produce', id: 'p2', topic: 't2', value: { type: 'string', data: 'nope' } }, ['ack', 'error'])
    assert.deepEqual([refused.op, refused.code, refused.name], ['error', TOPIC_AUTHORIZATION_FAILED, 'TOPIC_AUTHORIZATION_FAILED'])
    const batch = await alice.request({ op: 'produceBatch', id: 'b', records: [{ topic: 't1', value: null }, { topic: 't2', value: null }] }, ['acks'])
    assert.equal(typeof batch.results[0].offset, 'number')
    assert.equal(batch.results[1].code, TOPIC_AUTHORIZATION_FAILED)

    const g2 = await alice.request({ op: 'subscribe', sub: 'g2', topics: ['t1'], group: 'g2', from: 'earliest' }, ['subscribed', 'error'])
    assert.deepEqual([g2.op, g2.code, g2.name], ['error', GROUP_AUTHORIZATION_FAILED, 'GROUP_AUTHORIZATION_FAILED'])
    const t2 = await alice.request({ op: 'subscribe', sub: 't2', topics: ['t2'], from: 'earliest' }, ['subscribed', 'error'])
    assert.deepEqual([t2.op, t2.code], ['error', TOPIC_AUTHORIZATION_FAILED])
    const missing = await alice.request({ op: 'subscribe', sub: 'missing', topics: ['no-such-topic'] }, ['subscribed', 'error'])
    assert.equal(missing.code, TOPIC_AUTHORIZATION_FAILED, 'a topic alice may not Read is refused whether it exists or not, as a broker answers')
    const pattern = await alice.request({ op: 'subscribe', sub: 'pattern', pattern: 't.*', from: 'earliest' }, ['subscribed', 'error'])
    assert.deepEqual(pattern.assigned.map((p: Frame) => p.topic).sort(), ['t1', 't1'], 'a pattern matches only the topics alice may Describe')

    const g1 = await alice.request({ op: 'subscribe', sub: 'g1', topics: ['t1'], group: 'g1', from: 'earliest' }, ['subscribed', 'error'])
    assert.equal(g1.op, 'subscribed', JSON.stringify(g1))
    await alice.waitForRecords('g1', 2, 'alice\'s records in t1, through group g1')
    const committed = await alice.request({ op: 'commit', sub: 'g1' }, ['committed', 'error'])
    assert.equal(committed.op, 'committed', JSON.stringify(committed))

    // an ACL added with kafka-acls is in force in the gateway within moments, as on every broker
    await acls('--add', '--allow-principal', 'User:alice', '--operation', 'Write', '--topic', 't2')
    await waitFor(async () => (await alice.request({ op: 'produce', id: `retry-${Date.now()}`, topic: 't2', value: null }, ['ack', 'error'])).op === 'ack', 'the gateway to allow alice to write t2 once the ACL exists', { timeoutMs: 10_000, intervalMs: 200 })
    await acls('--remove', '--force', '--allow-principal', 'User:alice', '--operation', 'Write', '--topic', 't2')
    await waitFor(async () => (await alice.request({ op: 'produce', id: `again-${Date.now()}`, topic: 't2', value: null }, ['ack', 'error'])).code === TOPIC_AUTHORIZATION_FAILED, 'the gateway to refuse alice again once the ACL is gone', { timeoutMs: 10_000, intervalMs: 200 })
  })

  await t.test('the dashboard API as alice: only what she may Describe, 403 with Kafka\'s codes for the rest', async () => {
    const topics = await apiAs(ALICE_TOKEN, 'topics')
    assert.deepEqual(topics.body.topics.map((x: Frame) => x.name), ['t1'], 't2 is left out, as Metadata leaves it out')
    assert.equal((await apiAs(ALICE_TOKEN, 'topics/t2')).body.code, TOPIC_AUTHORIZATION_FAILED)
    const listing = await apiAs(ALICE_TOKEN, 'acls')
    assert.deepEqual([listing.status, listing.body.name], [403, 'CLUSTER_AUTHORIZATION_FAILED'])
    const adding = await apiAs(ALICE_TOKEN, 'acls', { method: 'POST', body: { resourceType: 'TOPIC', name: 't2', principal: 'User:alice', operation: 'WRITE', permissionType: 'ALLOW' } })
    assert.deepEqual([adding.status, adding.body.code], [403, CLUSTER_AUTHORIZATION_FAILED])
    assert.equal((await apiAs(ALICE_TOKEN, 'users', { method: 'POST', body: { user: 'mallory', mechanism: 'SCRAM-SHA-256', password: 'x' } })).body.code, CLUSTER_AUTHORIZATION_FAILED)
    assert.deepEqual((await apiAs(ALICE_TOKEN, 'whoami')).body, { principal: 'User:alice', authorization: true, readOnly: false, describeCluster: false, alterCluster: false })
    const deleting = await apiAs(ALICE_TOKEN, 'topics/t1', { method: 'DELETE' })
    assert.deepEqual([deleting.status, deleting.body.code], [403, TOPIC_AUTHORIZATION_FAILED])
  })

  await t.test('a read-only gateway refuses ACL and user changes even to a super user', async () => {
    const readOnly = await GatewayProcess.start(cluster.bootstrap, { 'gateway.read.only': true, 'gateway.auth.tokens': ADMIN_TOKEN })
    cleanups.push(async () => await readOnly.cleanup())
    const r = await fetch(`${readOnly.url}/api/v1/acls`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ resourceType: 'TOPIC', name: 't1', principal: 'User:eve', operation: 'READ', permissionType: 'ALLOW' }) })
    assert.equal(r.status, 403)
    assert.match(((await r.json()) as Frame).message, /gateway.read.only is set/)
    const listed = await fetch(`${readOnly.url}/api/v1/acls`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    assert.equal(listed.status, 200, 'listing is not a change')
    assert.doesNotMatch(await acls('--list', '--topic', 't1'), /User:eve/)
  })

  await t.test('the ACLs and users views in headless Chromium: an ACL added from the page is listed by kafka-acls, a user added is described by kafka-configs', { skip: noChromium }, async () => {
    const browser = await BrowserSession.open()
    cleanups.push(async () => await browser.close())
    const { page } = browser
    await page.goto(`${gateway.url}/?token=${ADMIN_TOKEN}`)
    await page.goto(`${gateway.url}/#/acls`)
    await page.locator('[data-testid="principal"]').filter({ hasText: 'User:admin' }).waitFor()
    await page.locator('[data-testid="acl-User:alice-WRITE-TOPIC-t1"]').waitFor()
    await page.fill('[data-testid="acl-filter-principal"]', 'alice')
    assert.match(await page.locator('[data-testid="acl-count"]').innerText(), /^4 of 4 ACLs$/, 'alice: Write t1, Read and Describe t1, Read g1')
    await page.fill('[data-testid="acl-filter-principal"]', '')
    await page.fill('[data-testid="acl-filter-resource"]', 'GROUP:')
    assert.match(await page.locator('[data-testid="acl-count"]').innerText(), /^1 of 4 ACLs$/)
    await page.fill('[data-testid="acl-filter-resource"]', '')

    await page.fill('[data-testid="acl-principal"]', 'User:bob')
    await page.selectOption('[data-testid="acl-operation"]', 'READ')
    await page.fill('[data-testid="acl-name"]', 'orders-')
    await page.selectOption('[data-testid="acl-pattern"]', 'PREFIXED')
    await page.click('[data-testid="acl-add"]')
    await page.locator('[data-testid="acl-User:bob-READ-TOPIC-orders-"]').waitFor()
    const listed = await acls('--list', '--topic', 'orders-', '--resource-pattern-type', 'prefixed')
    assert.match(listed, /ResourcePattern\(resourceType=TOPIC, name=orders-, patternType=PREFIXED\)[^]*\(principal=User:bob, host=\*, operation=READ, permissionType=ALLOW\)/)
    await browser.screenshot('gateway-security', 'acls')

    await page.goto(`${gateway.url}/#/users`)
    await page.locator('[data-testid="user-gateway"]').waitFor()
    assert.match(await page.locator('[data-testid="user-gateway"]').innerText(), /SCRAM-SHA-256 \(iterations 8192\), SCRAM-SHA-512 \(iterations 4096\)/)
    await page.fill('[data-testid="user-name"]', 'carol')
    await page.fill('[data-testid="user-password"]', 'carol-secret')
    await page.selectOption('[data-testid="user-mechanism"]', 'SCRAM-SHA-512')
    await page.click('[data-testid="user-add"]')
    await page.locator('[data-testid="user-carol"]').waitFor()
    const described = await runTool('kafka-configs', ['--bootstrap-server', plaintext, '--describe', '--entity-type', 'users', '--entity-name', 'carol'])
    assert.match(described.stdout, /SCRAM credential configs for user-principal 'carol' are SCRAM-SHA-512=iterations=8192/)
    await browser.screenshot('gateway-security', 'users')
    assert.deepEqual(browser.consoleErrors, [])
  })
})
