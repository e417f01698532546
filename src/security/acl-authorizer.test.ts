import { test } from 'node:test'
import assert from 'node:assert/strict'
import winston from 'winston'
import { Writable } from 'node:stream'
import { FakeZooKeeper } from '../cluster/support/fake-zookeeper.js'
import { silentLogger } from '../logger.js'
import { AclAuthorizer, type Session } from './acl-authorizer.js'
import { AclOperation as Op, AclPermissionType, CLUSTER_NAME, PatternType, ResourceType, type AclBinding } from './acl-binding.js'

const alice: Session = { principal: 'User:alice', host: '10.0.0.1' }
const bob: Session = { principal: 'User:bob', host: '10.0.0.2' }
const audit = { api: 'Produce' }

function acl (resourceType: ResourceType, name: string, principal: string, operation: Op, permission: 'ALLOW' | 'DENY' = 'ALLOW', options: { prefixed?: boolean, host?: string } = {}): AclBinding {
  return {
    pattern: { resourceType, name, patternType: options.prefixed === true ? PatternType.PREFIXED : PatternType.LITERAL },
    entry: { principal, host: options.host ?? '*', operation, permissionType: AclPermissionType[permission] },
  }
}

async function authorizerWith (bindings: AclBinding[], config: { superUsers?: string[], allowEveryoneIfNoAclFound?: boolean } = {}, server = new FakeZooKeeper()): Promise<AclAuthorizer> {
  const authorizer = await AclAuthorizer.start(server.open(), { superUsers: config.superUsers ?? [], allowEveryoneIfNoAclFound: config.allowEveryoneIfNoAclFound ?? false }, silentLogger(), silentLogger())
  const results = await authorizer.createAcls(bindings)
  assert.deepEqual(results.map(r => r.errorMessage), bindings.map(() => null))
  return authorizer
}

test('a LITERAL ALLOW grants its operation to its principal on its resource only', async () => {
  const a = await authorizerWith([acl(ResourceType.TOPIC, 't1', 'User:alice', Op.WRITE)])
  assert.equal(a.authorize(alice, Op.WRITE, ResourceType.TOPIC, 't1', audit), true)
  assert.equal(a.authorize(alice, Op.READ, ResourceType.TOPIC, 't1', audit), false, 'another operation')
  assert.equal(a.authorize(alice, Op.WRITE, ResourceType.TOPIC, 't2', audit), false, 'another topic (no ACLs, allow.everyone.if.no.acl.found false)')
  assert.equal(a.authorize(bob, Op.WRITE, ResourceType.TOPIC, 't1', audit), false, 'another principal')
  assert.equal(a.authorize(alice, Op.WRITE, ResourceType.GROUP, 't1', audit), false, 'another resource type')
})

test('Describe is implied by Read, Write, Delete and Alter; DescribeConfigs by AlterConfigs; ALL grants everything', async () => {
  const a = await authorizerWith([
    acl(ResourceType.TOPIC, 'r', 'User:alice', Op.READ), acl(ResourceType.TOPIC, 'w', 'User:alice', Op.WRITE),
    acl(ResourceType.TOPIC, 'd', 'User:alice', Op.DELETE), acl(ResourceType.TOPIC, 'a', 'User:alice', Op.ALTER),
    acl(ResourceType.TOPIC, 'c', 'User:alice', Op.CREATE), acl(ResourceType.TOPIC, 'ac', 'User:alice', Op.ALTER_CONFIGS),
    acl(ResourceType.TOPIC, 'all', 'User:alice', Op.ALL),
  ])
  for (const t of ['r', 'w', 'd', 'a']) assert.equal(a.authorize(alice, Op.DESCRIBE, ResourceType.TOPIC, t, audit), true, `Describe from ${t}`)
  assert.equal(a.authorize(alice, Op.DESCRIBE, ResourceType.TOPIC, 'c', audit), false, 'Create does not imply Describe')
  assert.equal(a.authorize(alice, Op.READ, ResourceType.TOPIC, 'w', audit), false, 'Write does not imply Read')
  assert.equal(a.authorize(alice, Op.DESCRIBE_CONFIGS, ResourceType.TOPIC, 'ac', audit), true)
  assert.equal(a.authorize(alice, Op.DESCRIBE, ResourceType.TOPIC, 'ac', audit), false, 'AlterConfigs does not imply Describe')
  for (const op of [Op.READ, Op.WRITE, Op.CREATE, Op.DELETE, Op.ALTER_CONFIGS]) assert.equal(a.authorize(alice, op, ResourceType.TOPIC, 'all', audit), true)
})

test('PREFIXED patterns, the * resource and the User:* principal match as Kafka\'s do', async () => {
  const a = await authorizerWith([
    acl(ResourceType.TOPIC, 'orders-', 'User:alice', Op.READ, 'ALLOW', { prefixed: true }),
    acl(ResourceType.GROUP, '*', 'User:alice', Op.READ),
    acl(ResourceType.TOPIC, 'public', 'User:*', Op.READ),
  ])
  assert.equal(a.authorize(alice, Op.READ, ResourceType.TOPIC, 'orders-eu', audit), true)
  assert.equal(a.authorize(alice, Op.READ, ResourceType.TOPIC, 'orders-', audit), true, 'the prefix itself')
  assert.equal(a.authorize(alice, Op.READ, ResourceType.TOPIC, 'order', audit), false)
  assert.equal(a.authorize(alice, Op.READ, ResourceType.TOPIC, 'xorders-eu', audit), false, 'a prefix, not a substring')
  assert.equal(a.authorize(alice, Op.READ, ResourceType.GROUP, 'any-group', audit), true, '* covers every group')
  assert.equal(a.authorize(bob, Op.READ, ResourceType.TOPIC, 'public', audit), true, 'User:* covers every principal')
  assert.equal(a.authorize(bob, Op.READ, ResourceType.TOPIC, 'orders-eu', audit), false)
})

test('PREFIXED ACLs of several lengths each match, and stop matching once removed', async () => {
  const a = await authorizerWith([
    acl(ResourceType.TOPIC, 'a', 'User:alice', Op.READ, 'ALLOW', { prefixed: true }),
    acl(ResourceType.TOPIC, 'abc', 'User:alice', Op.WRITE, 'ALLOW', { prefixed: true }),
    acl(ResourceType.TOPIC, 'abcdef', 'User:alice', Op.WRITE, 'DENY', { prefixed: true }),
  ])
  assert.equal(a.authorize(alice, Op.READ, ResourceType.TOPIC, 'abz', audit), true)
  assert.equal(a.authorize(alice, Op.WRITE, ResourceType.TOPIC, 'abcd', audit), true)
  assert.equal(a.authorize(alice, Op.WRITE, ResourceType.TOPIC, 'abcdefg', audit), false)
  await a.deleteAcls([{ pattern: { resourceType: ResourceType.TOPIC, name: 'a', patternType: PatternType.PREFIXED }, entry: { principal: null, host: null, operation: Op.ANY, permissionType: AclPermissionType.ANY } }])
  assert.equal(a.authorize(alice, Op.READ, ResourceType.TOPIC, 'abz', audit), false, 'the prefix a is gone')
  assert.equal(a.authorize(alice, Op.WRITE, ResourceType.TOPIC, 'abcd', audit), true, 'the prefix abc stays')
})

test('DENY wins over ALLOW, whether literal, prefixed, * or ALL', async () => {
  const a = await authorizerWith([
    acl(ResourceType.TOPIC, '*', 'User:alice', Op.ALL),
    acl(ResourceType.TOPIC, 'secret-', 'User:alice', Op.READ, 'DENY', { prefixed: true }),
    acl(ResourceType.TOPIC, 't9', 'User:*', Op.ALL, 'DENY'),
  ])
  assert.equal(a.authorize(alice, Op.READ, ResourceType.TOPIC, 'plain', audit), true)
  assert.equal(a.authorize(alice, Op.READ, ResourceType.TOPIC, 'secret-x', audit), false)
  assert.equal(a.authorize(alice, Op.WRITE, ResourceType.TOPIC, 'secret-x', audit), true, 'a DENY of Read leaves Write')
  assert.equal(a.authorize(alice, Op.DESCRIBE, ResourceType.TOPIC, 'secret-x', audit), true, 'a DENY of Read does not deny the Describe it would imply (AclAuthorizer)')
  assert.equal(a.authorize(alice, Op.WRITE, ResourceType.TOPIC, 't9', audit), false, 'DENY ALL to User:*')
})

test('host filters: an ACL for one address applies to clients from it only', async () => {
  const a = await authorizerWith([acl(ResourceType.TOPIC, 't1', 'User:alice', Op.READ, 'ALLOW', { host: '10.0.0.1' })])
  assert.equal(a.authorize(alice, Op.READ, ResourceType.TOPIC, 't1', audit), true)
  assert.equal(a.authorize({ ...alice, host: '10.0.0.9' }, Op.READ, ResourceType.TOPIC, 't1', audit), false)
})

test('super.users may do anything; allow.everyone.if.no.acl.found opens only resources without ACLs', async () => {
  const a = await authorizerWith([acl(ResourceType.TOPIC, 't1', 'User:alice', Op.READ, 'DENY')], { superUsers: ['User:admin'], allowEveryoneIfNoAclFound: true })
  const admin = { principal: 'User:admin', host: '10.0.0.3' }
  assert.equal(a.authorize(admin, Op.ALTER, ResourceType.CLUSTER, CLUSTER_NAME, audit), true)
  assert.equal(a.authorize(bob, Op.READ, ResourceType.TOPIC, 'no-acls', audit), true, 'no ACLs: everyone')
  assert.equal(a.authorize(bob, Op.READ, ResourceType.TOPIC, 't1', audit), false, 't1 has ACLs (for alice): bob matches none')
  const closed = await authorizerWith([])
  assert.equal(closed.authorize(bob, Op.READ, ResourceType.TOPIC, 'no-acls', audit), false, 'the default is closed')
})

test('authorizeByResourceType (KIP-679): an ALLOW on some topic not covered by a DENY, as InitProducerId asks', async () => {
  assert.equal((await authorizerWith([acl(ResourceType.TOPIC, 't1', 'User:alice', Op.WRITE)])).authorizeByResourceType(alice, Op.WRITE, ResourceType.TOPIC, audit), true)
  assert.equal((await authorizerWith([acl(ResourceType.TOPIC, 't1', 'User:alice', Op.READ)])).authorizeByResourceType(alice, Op.WRITE, ResourceType.TOPIC, audit), false)
  assert.equal((await authorizerWith([
    acl(ResourceType.TOPIC, 'abc', 'User:alice', Op.WRITE), acl(ResourceType.TOPIC, 'ab', 'User:alice', Op.WRITE, 'DENY', { prefixed: true }),
  ])).authorizeByResourceType(alice, Op.WRITE, ResourceType.TOPIC, audit), false, 'a shorter denied prefix covers the allowed name')
  assert.equal((await authorizerWith([
    acl(ResourceType.TOPIC, 'abc', 'User:alice', Op.WRITE), acl(ResourceType.TOPIC, '*', 'User:alice', Op.WRITE, 'DENY'),
  ])).authorizeByResourceType(alice, Op.WRITE, ResourceType.TOPIC, audit), false, 'a DENY on * refuses')
})

test('ACLs are stored in Kafka\'s znodes and JSON, with change notifications another broker follows', async () => {
  const server = new FakeZooKeeper()
  const writer = await authorizerWith([], {}, server)
  const reader = await authorizerWith([], {}, server)
  await writer.createAcls([acl(ResourceType.TOPIC, 't1', 'User:alice', Op.READ), acl(ResourceType.TOPIC, 'pre-', 'User:bob', Op.DESCRIBE_CONFIGS, 'DENY', { prefixed: true })])
  assert.deepEqual(JSON.parse(server.read('/kafka-acl/Topic/t1')!), { version: 1, acls: [{ principal: 'User:alice', permissionType: 'Allow', operation: 'Read', host: '*' }] })
  assert.deepEqual(JSON.parse(server.read('/kafka-acl-extended/prefixed/Topic/pre-')!), { version: 1, acls: [{ principal: 'User:bob', permissionType: 'Deny', operation: 'DescribeConfigs', host: '*' }] })
  assert.equal(server.read('/kafka-acl-changes/acl_changes_0000000000'), 'TOPIC:t1')
  assert.deepEqual(JSON.parse(server.read('/kafka-acl-extended-changes/acl_changes_0000000000')!), { version: 1, resourceType: 'TOPIC', name: 'pre-', patternType: 'PREFIXED' })
  await server.settled()
  assert.equal(reader.authorize(alice, Op.READ, ResourceType.TOPIC, 't1', audit), true, 'the other broker learned of the ACL')

  const [deleted] = await writer.deleteAcls([{ pattern: { resourceType: ResourceType.ANY, name: null, patternType: PatternType.ANY }, entry: { principal: 'User:alice', host: null, operation: Op.ANY, permissionType: AclPermissionType.ANY } }])
  assert.equal(deleted?.deleted.length, 1)
  assert.equal(server.read('/kafka-acl/Topic/t1'), undefined, 'a resource without ACLs loses its znode')
  await server.settled()
  assert.equal(reader.authorize(alice, Op.READ, ResourceType.TOPIC, 't1', audit), false)
  assert.equal(reader.acls({ pattern: { resourceType: ResourceType.ANY, name: null, patternType: PatternType.ANY }, entry: { principal: null, host: null, operation: Op.ANY, permissionType: AclPermissionType.ANY } }).length, 1)
})

test('invalid ACLs are refused one by one: a cluster not named kafka-cluster, ANY as an operation, a principal without a type, a / in a name', async () => {
  const a = await authorizerWith([])
  const results = await a.createAcls([
    acl(ResourceType.CLUSTER, 'other', 'User:alice', Op.ALTER),
    acl(ResourceType.TOPIC, 't', 'User:alice', Op.ANY),
    acl(ResourceType.TOPIC, 't', 'alice', Op.READ),
    acl(ResourceType.GROUP, 'a/b', 'User:alice', Op.READ),
    acl(ResourceType.TOPIC, 't', 'User:alice', Op.READ),
  ])
  assert.deepEqual(results.map(r => r.errorCode), [42, 42, 42, 42, 0])
})

test('the audit logger gets Kafka\'s line: denials at info, allows at debug', async () => {
  const lines: Array<{ level: string, message: string }> = []
  const sink = new Writable({ objectMode: true, write: (info: { level: string, message: string }, _encoding, done) => { lines.push({ level: info.level, message: info.message }); done() } })
  const auditLog = winston.createLogger({ level: 'debug', transports: [new winston.transports.Stream({ stream: sink })] })
  const a = await AclAuthorizer.start(new FakeZooKeeper().open(), { superUsers: [], allowEveryoneIfNoAclFound: false }, silentLogger(), auditLog)
  await a.createAcls([acl(ResourceType.TOPIC, 't1', 'User:alice', Op.WRITE)])
  a.authorize(alice, Op.WRITE, ResourceType.TOPIC, 't1', audit)
  a.authorize(alice, Op.WRITE, ResourceType.TOPIC, 't2', audit)
  assert.deepEqual(lines, [
    { level: 'debug', message: 'Principal = User:alice is Allowed Operation = Write from host = 10.0.0.1 on resource = Topic:LITERAL:t1 for request = Produce with resourceRefCount = 1' },
    { level: 'info', message: 'Principal = User:alice is Denied Operation = Write from host = 10.0.0.1 on resource = Topic:LITERAL:t2 for request = Produce with resourceRefCount = 1' },
  ])
})
