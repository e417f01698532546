import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../security/acl-binding.js'
import { aclToJson, parseAcl, parseAclQuery, parseScramUpsertion, sortAcls } from './security-api.js'

test('an ACL from the page: Kafka\'s enum names (either form), host * and LITERAL by default, Kafka\'s checks', () => {
  const binding = parseAcl({ resourceType: 'TOPIC', name: 'orders-', patternType: 'prefixed', principal: 'User:bob', operation: 'DescribeConfigs', permissionType: 'ALLOW' })
  assert.deepEqual(binding, {
    pattern: { resourceType: ResourceType.TOPIC, name: 'orders-', patternType: PatternType.PREFIXED },
    entry: { principal: 'User:bob', host: '*', operation: AclOperation.DESCRIBE_CONFIGS, permissionType: AclPermissionType.ALLOW },
  })
  assert.deepEqual(aclToJson(binding as never), { resourceType: 'TOPIC', name: 'orders-', patternType: 'PREFIXED', principal: 'User:bob', host: '*', operation: 'DESCRIBE_CONFIGS', permissionType: 'ALLOW' })
  assert.equal((parseAcl({ resourceType: 'TOPIC', name: 't', principal: 'User:a', operation: 'READ', permissionType: 'ALLOW' }) as { pattern: { patternType: number } }).pattern.patternType, PatternType.LITERAL)
  assert.match((parseAcl({ resourceType: 'TOPIC', name: 't', principal: 'alice', operation: 'READ', permissionType: 'ALLOW' }) as { problem: string }).problem, /Invalid principal alice/)
  assert.match((parseAcl({ resourceType: 'CLUSTER', name: 'x', principal: 'User:a', operation: 'ALTER', permissionType: 'ALLOW' }) as { problem: string }).problem, /only valid name for the CLUSTER resource is kafka-cluster/)
  assert.match((parseAcl({ resourceType: 'TOPIC', name: 't', principal: 'User:a', operation: 'FLY', permissionType: 'ALLOW' }) as { problem: string }).problem, /"operation" must be one of/)
  assert.match((parseAcl({ resourceType: 'TOPIC', name: 't', patternType: 'MATCH', principal: 'User:a', operation: 'READ', permissionType: 'ALLOW' }) as { problem: string }).problem, /LITERAL or PREFIXED/)
  assert.match((parseAcl({ resourceType: 'TOPIC', name: 7, principal: 'User:a', operation: 'READ', permissionType: 'ALLOW' }) as { problem: string }).problem, /must be strings/)
})

test('a listing\'s filter: ANY unless given, MATCH as kafka-acls --resource-pattern-type match', () => {
  assert.deepEqual(parseAclQuery(() => undefined), {
    pattern: { resourceType: ResourceType.ANY, name: null, patternType: PatternType.ANY },
    entry: { principal: null, host: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY },
  })
  const q: Record<string, string> = { resourceType: 'topic', name: 'orders-eu', patternType: 'match', principal: 'User:alice' }
  const f = parseAclQuery(k => q[k])
  assert.deepEqual(f, {
    pattern: { resourceType: ResourceType.TOPIC, name: 'orders-eu', patternType: PatternType.MATCH },
    entry: { principal: 'User:alice', host: null, operation: AclOperation.ANY, permissionType: AclPermissionType.ANY },
  })
  assert.ok('problem' in parseAclQuery(k => k === 'resourceType' ? 'planet' : undefined))
})

test('a SCRAM user from the page: a mechanism, a password and Kafka\'s iteration bounds', () => {
  assert.deepEqual(parseScramUpsertion({ user: 'carol', mechanism: 'SCRAM-SHA-512', password: 'pw' }), { user: 'carol', mechanism: 'SCRAM-SHA-512', password: 'pw', iterations: 4096 })
  assert.match((parseScramUpsertion({ user: 'carol', mechanism: 'PLAIN', password: 'pw' }) as { problem: string }).problem, /SCRAM-SHA-256 or SCRAM-SHA-512/)
  assert.match((parseScramUpsertion({ user: 'carol', mechanism: 'SCRAM-SHA-256', password: 'pw', iterations: 100 }) as { problem: string }).problem, /4096 to 16384/)
  assert.match((parseScramUpsertion({ user: '', mechanism: 'SCRAM-SHA-256', password: 'pw' }) as { problem: string }).problem, /"user"/)
  assert.match((parseScramUpsertion({ user: 'c', mechanism: 'SCRAM-SHA-256', password: '' }) as { problem: string }).problem, /"password"/)
})

test('listings are sorted by resource type, pattern type, name, then the entry', () => {
  const acl = (resourceType: string, patternType: string, name: string, principal: string) => ({ resourceType, patternType, name, principal, host: '*', operation: 'READ', permissionType: 'ALLOW' })
  const sorted = sortAcls([acl('TOPIC', 'PREFIXED', 'a', 'User:x'), acl('TOPIC', 'LITERAL', 'b', 'User:y'), acl('GROUP', 'LITERAL', 'g', 'User:x'), acl('TOPIC', 'LITERAL', 'b', 'User:a')])
  assert.deepEqual(sorted.map(a => `${a.resourceType}:${a.patternType}:${a.name}:${a.principal}`), ['GROUP:LITERAL:g:User:x', 'TOPIC:LITERAL:b:User:a', 'TOPIC:LITERAL:b:User:y', 'TOPIC:PREFIXED:a:User:x'])
})
