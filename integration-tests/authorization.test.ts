import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import { projectRoot } from './support/broker.js'
import { runTool } from './support/cli-tool.js'
import { startCluster } from './support/cluster.js'
import { partitionState } from './support/cluster-state.js'
import { runProcess } from './support/run-process.js'
import { waitFor } from './support/wait-for.js'
import { topicMetadata } from './support/wire-connection.js'

const KCAT = '/usr/bin/kcat'
const PYTHON = '/usr/bin/python3'
const CONFLUENT = join(projectRoot, 'integration-tests/clients/python/confluent_kafka_client.py')
const skip = !existsSync(KCAT) ? 'kcat is not installed (integration-tests/support/ensure-clients.sh)'
  : !existsSync('/usr/lib/python3/dist-packages/confluent_kafka') ? 'python3-confluent-kafka is not installed (integration-tests/support/ensure-clients.sh)' : false

const TOPIC_AUTHORIZATION_FAILED = 29
const passwords = { admin: 'admin-secret', alice: 'alice-secret', bob: 'bob-secret' } as const

/**
 * Two brokers with Kafka's AclAuthorizer: clients log in with SCRAM on SASL_PLAINTEXT; the brokers
 * replicate over the same listener as User:broker (PLAIN), a super user as Kafka's docs advise, and
 * so is User:admin, who manages users, topics and ACLs. PLAINTEXT stays open as User:ANONYMOUS,
 * who holds no ACLs.
 */
async function startAuthorizingCluster (t: { after: (fn: () => unknown) => void }): Promise<{ bootstrap: string, plaintext: string[], adminConfig: string, cluster: Awaited<ReturnType<typeof startCluster>> }> {
  const cluster = await startCluster({
    brokers: 2,
    extraListeners: ['SASL_PLAINTEXT'],
    config: {
      'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
      'super.users': 'User:broker;User:admin',
      'inter.broker.listener.name': 'SASL_PLAINTEXT',
      'sasl.mechanism.inter.broker.protocol': 'PLAIN',
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config':
        `org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="broker-secret" user_broker="broker-secret" user_admin="${passwords.admin}";`,
    },
  })
  t.after(cluster.cleanup)
  const dir = mkdtempSync(join(tmpdir(), 'acl-test-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const adminConfig = join(dir, 'admin.properties')
  writeFileSync(adminConfig, ['security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=PLAIN',
    `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${passwords.admin}";`].join('\n') + '\n')
  return { bootstrap: cluster.bootstrapFor('SASL_PLAINTEXT'), plaintext: cluster.brokers.map(b => b.bootstrapFor('PLAINTEXT')), adminConfig, cluster }
}

function scram (user: keyof typeof passwords): Record<string, string> {
  return { 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanisms': 'SCRAM-SHA-256', 'sasl.username': user, 'sasl.password': passwords[user] }
}

const kcatFlags = (props: Record<string, string>): string[] => Object.entries(props).flatMap(([k, v]) => ['-X', `${k}=${v}`])

test('an ACL matrix with kcat, confluent-kafka and KafkaJS: literal, prefixed, DENY over ALLOW, groups, super users, hidden topics, kafka-acls output, changes on every broker without a restart', { skip }, async t => {
  const { bootstrap, plaintext, adminConfig, cluster } = await startAuthorizingCluster(t)
  const asAdmin = ['--bootstrap-server', bootstrap, '--command-config', adminConfig]
  const acls = async (...args: string[]): Promise<string> => {
    const r = await runTool('kafka-acls', [...asAdmin, ...args])
    assert.equal(r.code, 0, `kafka-acls ${args.join(' ')}: ${r.stdout}${r.stderr}`)
    return r.stdout
  }
  for (const user of ['alice', 'bob'] as const) {
    const r = await runTool('kafka-configs', [...asAdmin, '--alter', '--entity-type', 'users', '--entity-name', user, '--add-config', `SCRAM-SHA-256=[password=${passwords[user]}]`])
    assert.equal(r.code, 0, r.stderr)
  }
  for (const topic of ['t1', 't2', 'orders-eu', 'orders-us']) {
    const r = await runTool('kafka-topics', [...asAdmin, '--create', '--topic', topic, '--partitions', '1', '--replication-factor', '2'])
    assert.equal(r.code, 0, r.stderr)
  }
  // The brokers' own principal is a super user: followers fetch over the authorizing listener and join the ISR.
  await waitFor(async () => (await partitionState(cluster, 't1', 0)).isr.length === 2, 'the follower of t1-0 to replicate as User:broker and be in the ISR', { timeoutMs: 20_000 })

  const added = await acls('--add', '--allow-principal', 'User:alice', '--operation', 'Write', '--topic', 't1')
  assert.equal(added, [
    'Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=t1, patternType=LITERAL)`: ',
    ' \t(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW) ',
    '',
    'Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=t1, patternType=LITERAL)`: ',
    ' \t(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW) ',
    '', '',
  ].join('\n'))
  await acls('--add', '--consumer', '--allow-principal', 'User:bob', '--topic', 't1', '--group', 'g1')
  await acls('--add', '--allow-principal', 'User:alice', '--operation', 'Write', '--topic', 'orders-', '--resource-pattern-type', 'prefixed')
  await acls('--add', '--deny-principal', 'User:alice', '--operation', 'Write', '--topic', 'orders-eu')

  await t.test('kafka-acls --list prints every resource pattern with its ACLs, as Kafka\'s AclCommand does', async () => {
    const listed = await acls('--list')
    assert.equal(listed, [
      'Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders-eu, patternType=LITERAL)`: ',
      ' \t(principal=User:alice, host=*, operation=WRITE, permissionType=DENY) ',
      '',
      'Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=t1, patternType=LITERAL)`: ',
      ' \t(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW)',
      '\t(principal=User:bob, host=*, operation=READ, permissionType=ALLOW)',
      '\t(principal=User:bob, host=*, operation=DESCRIBE, permissionType=ALLOW) ',
      '',
      'Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders-, patternType=PREFIXED)`: ',
      ' \t(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW) ',
      '',
      'Current ACLs for resource `ResourcePattern(resourceType=GROUP, name=g1, patternType=LITERAL)`: ',
      ' \t(principal=User:bob, host=*, operation=READ, permissionType=ALLOW) ',
      '', '',
    ].join('\n'))
    const bobs = await acls('--list', '--principal', 'User:bob', '--topic', 't1')
    assert.match(bobs, /^ACLs for principal `User:bob`\nCurrent ACLs for resource `ResourcePattern\(resourceType=TOPIC, name=t1, patternType=LITERAL\)`: \n \t\(principal=User:bob, host=\*, operation=READ/)
    assert.doesNotMatch(bobs, /User:alice/)
  })

  await t.test('kcat as alice: writes t1, refused t2 with TOPIC_AUTHORIZATION_FAILED', async () => {
    await runProcess(KCAT, ['-P', '-b', bootstrap, '-t', 't1', ...kcatFlags(scram('alice'))], { input: 'from-alice-1\nfrom-alice-2\n' })
    const refused = await runProcess(KCAT, ['-P', '-b', bootstrap, '-t', 't2', ...kcatFlags(scram('alice'))], { input: 'nope\n' }).then(r => r.stderr, (err: Error) => err.message)
    assert.match(refused, /Topic authorization failed/i)
  })

  await t.test('confluent-kafka as bob: reads t1 in group g1 only', async () => {
    const run = async (topic: string, group: string): Promise<{ values: string[], error: string | null }> => {
      const r = await runProcess(PYTHON, [CONFLUENT, 'group-consume', bootstrap, topic, group, '2'], { env: { ...process.env, KAFKA_CLIENT_CONFIG: JSON.stringify(scram('bob')) }, timeoutMs: 40_000 })
      return JSON.parse(r.stdout) as { values: string[], error: string | null }
    }
    assert.deepEqual(await run('t1', 'g1'), { values: ['from-alice-1', 'from-alice-2'], error: null }, 'read and committed in g1')
    assert.equal((await run('t1', 'g2')).error, 'GROUP_AUTHORIZATION_FAILED')
    assert.equal((await run('t2', 'g1')).error, 'TOPIC_AUTHORIZATION_FAILED')
  })

  await t.test('confluent-kafka as alice: a PREFIXED ALLOW covers orders-us; a DENY on orders-eu overrides it', async () => {
    const deliver = async (topic: string): Promise<string | null> => {
      const r = await runProcess(PYTHON, [CONFLUENT, 'deliver', bootstrap, '1'], { input: JSON.stringify({ topic, partition: 0, value: 'v' }) + '\n', env: { ...process.env, KAFKA_CLIENT_CONFIG: JSON.stringify(scram('alice')) } })
      return (JSON.parse(r.stdout) as { error: string | null }).error
    }
    assert.equal(await deliver('orders-us'), null)
    assert.equal(await deliver('orders-eu'), 'TOPIC_AUTHORIZATION_FAILED')
  })

  await t.test('Metadata leaves out the topics a principal may not Describe', async () => {
    const topicsOf = async (user: 'alice' | 'bob'): Promise<string[]> => {
      const r = await runProcess(PYTHON, [CONFLUENT, 'metadata', bootstrap], { env: { ...process.env, KAFKA_CLIENT_CONFIG: JSON.stringify(scram(user)) } })
      return JSON.parse(r.stdout) as string[]
    }
    assert.deepEqual(await topicsOf('bob'), ['t1'])
    // Write implies Describe; the DENY of Write on orders-eu does not deny Describe
    assert.deepEqual(await topicsOf('alice'), ['orders-eu', 'orders-us', 't1'])
  })

  await t.test('KafkaJS: alice is refused t2 with TOPIC_AUTHORIZATION_FAILED; admin, a super user, writes it', async () => {
    const kafka = (user: 'alice' | 'admin', mechanism: 'scram-sha-256' | 'plain'): Kafka => new Kafka({
      clientId: 'kafkajs-acl-test', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING, retry: { retries: 1 },
      sasl: { mechanism, username: user, password: passwords[user] } as never,
    })
    const alice = kafka('alice', 'scram-sha-256').producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await alice.connect()
    await assert.rejects(alice.send({ topic: 't2', messages: [{ value: 'x' }] }), (err: Error & { type?: string }) => {
      assert.match(`${err.name} ${err.type ?? ''} ${err.message}`, /TOPIC_AUTHORIZATION_FAILED|Not authorized to access topics/)
      return true
    })
    await alice.disconnect()
    const admin = kafka('admin', 'plain').producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await admin.connect()
    const [sent] = await admin.send({ topic: 't2', acks: -1, messages: [{ value: 'from-admin' }] })
    assert.equal(sent?.errorCode, 0)
    await admin.disconnect()
  })

  await t.test('an ACL added or removed with kafka-acls takes effect on every broker without a restart', async () => {
    // User:ANONYMOUS (PLAINTEXT) has no ACLs: each broker answers t1 TOPIC_AUTHORIZATION_FAILED
    for (const address of plaintext) assert.equal((await topicMetadata(address, 't1')).topic?.errorCode, TOPIC_AUTHORIZATION_FAILED)
    await acls('--add', '--allow-principal', 'User:ANONYMOUS', '--operation', 'Describe', '--topic', 't1')
    for (const address of plaintext) {
      await waitFor(async () => (await topicMetadata(address, 't1')).topic?.errorCode === 0, `broker ${address} to let User:ANONYMOUS describe t1`)
    }
    await acls('--remove', '--force', '--allow-principal', 'User:ANONYMOUS', '--operation', 'Describe', '--topic', 't1')
    for (const address of plaintext) {
      await waitFor(async () => (await topicMetadata(address, 't1')).topic?.errorCode === TOPIC_AUTHORIZATION_FAILED, `broker ${address} to refuse User:ANONYMOUS t1 again`)
    }
  })

  await t.test('kafka-acls --resource-pattern-type match lists what applies to a topic; --remove without a principal removes all of a resource\'s ACLs', async () => {
    const matching = await acls('--list', '--topic', 'orders-eu', '--resource-pattern-type', 'match')
    assert.equal(matching, [
      'Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders-eu, patternType=LITERAL)`: ',
      ' \t(principal=User:alice, host=*, operation=WRITE, permissionType=DENY) ',
      '',
      'Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders-, patternType=PREFIXED)`: ',
      ' \t(principal=User:alice, host=*, operation=WRITE, permissionType=ALLOW) ',
      '', '',
    ].join('\n'))
    await acls('--remove', '--force', '--topic', 'orders-eu')
    assert.doesNotMatch(await acls('--list'), /name=orders-eu/)
  })

  await t.test('without Alter on the cluster, kafka-acls is refused with CLUSTER_AUTHORIZATION_FAILED, and so are client quotas',  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acl-alice-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const aliceConfig = join(dir, 'alice.properties')
    writeFileSync(aliceConfig, ['security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=SCRAM-SHA-256',
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="${passwords.alice}";`].join('\n') + '\n')
    const r = await runTool('kafka-acls', ['--bootstrap-server', bootstrap, '--command-config', aliceConfig, '--add', '--allow-principal', 'User:alice', '--operation', 'All', '--topic', 't2'])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /Error while executing ACL command: Request CreateAcls is not authorized\./)
    // KafkaApis: DescribeClientQuotas needs DescribeConfigs on the cluster, AlterClientQuotas AlterConfigs
    const quotas = ['--bootstrap-server', bootstrap, '--command-config', aliceConfig, '--client', 'app']
    const described = await runTool('kafka-configs', [...quotas, '--describe'])
    assert.equal(described.code, 1)
    assert.match(described.stderr, /Request DescribeClientQuotas is not authorized\./)
    // ConfigCommand reads the entity's quotas before it alters them: refused there, nothing is written
    const altered = await runTool('kafka-configs', [...quotas, '--alter', '--add-config', 'producer_byte_rate=1'])
    assert.equal(altered.code, 1)
    assert.match(altered.stderr, /Request DescribeClientQuotas is not authorized\./)
    assert.equal(await cluster.zk.getData('/config/clients/app'), null)
  })
})
