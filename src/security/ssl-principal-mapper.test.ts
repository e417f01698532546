import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SslPrincipalMapper } from './ssl-principal-mapper.js'

const dn = 'CN=alice,OU=clients,O=zkafka'

test('DEFAULT is the distinguished name as it is', () => {
  assert.equal(SslPrincipalMapper.parse('k', 'DEFAULT').mapper?.name(dn), dn)
})

test('RULE:pattern/replacement/[LU]: the first rule matching the whole DN, then DEFAULT', () => {
  const { mapper } = SslPrincipalMapper.parse('k', 'RULE:^CN=(.*?),OU=admins,.*$/$1-admin/, RULE:^CN=(.*?),OU=(.*?),O=(.*)$/$1@$3/U, DEFAULT')
  assert.equal(mapper?.name(dn), 'ALICE@ZKAFKA')
  assert.equal(mapper?.name('CN=bob,OU=admins,O=zkafka'), 'bob-admin')
  assert.equal(mapper?.name('CN=carol'), 'CN=carol')
  assert.equal(SslPrincipalMapper.parse('k', 'RULE:^CN=([a-z]+),.*$/$1/L').mapper?.name('CN=dave,O=x'), 'dave')
})

test('no rule applying fails (Kafka refuses the connection); rules that do not parse are a problem by key', () => {
  assert.throws(() => SslPrincipalMapper.parse('k', 'RULE:^CN=admin$/admin/').mapper?.name(dn), /No rules apply to CN=alice/)
  assert.match(SslPrincipalMapper.parse('ssl.principal.mapping.rules', 'NONSENSE').problem ?? '', /"ssl.principal.mapping.rules" has an invalid rule at position 0/)
  assert.match(SslPrincipalMapper.parse('k', 'RULE:^CN=(.*$/$1/').problem ?? '', /not a regular expression/)
})
