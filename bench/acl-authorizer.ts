/**
 * What an authorization decision costs on the request path: AclAuthorizer.authorize for Write on a
 * topic (what Produce asks once per topic), against the no-authorizer path (authorizer.class.name
 * empty: a constant answer) in the same run, with a small ACL set and with a large one of LITERAL
 * and PREFIXED ACLs of many prefix lengths. The ACLs are written through a FakeZooKeeper, as the
 * unit tests do; decisions never touch ZooKeeper.
 *
 *   node dist/bench/acl-authorizer.js [--decisions 2000000] [--literal 10000] [--prefixed 1000]
 */
import { FakeZooKeeper } from '../src/cluster/support/fake-zookeeper.js'
import { silentLogger } from '../src/logger.js'
import { AclAuthorizer, type Session } from '../src/security/acl-authorizer.js'
import { AclOperation, AclPermissionType, PatternType, ResourceType, type AclBinding } from '../src/security/acl-binding.js'
import { parseArgs, say } from './support/bench-cli.js'

const args = parseArgs(process.argv.slice(2))
const decisions = Number(args.decisions ?? 2_000_000)
const literalCount = Number(args.literal ?? 10_000)
const prefixedCount = Number(args.prefixed ?? 1000)
const session: Session = { principal: 'User:alice', host: '10.0.0.1' }
const audit = { api: 'Produce' }

function binding (name: string, prefixed: boolean, principal: string): AclBinding {
  return {
    pattern: { resourceType: ResourceType.TOPIC, name, patternType: prefixed ? PatternType.PREFIXED : PatternType.LITERAL },
    entry: { principal, host: '*', operation: AclOperation.WRITE, permissionType: AclPermissionType.ALLOW },
  }
}

async function authorizer (bindings: AclBinding[]): Promise<AclAuthorizer> {
  const a = await AclAuthorizer.start(new FakeZooKeeper().open(), { superUsers: [], allowEveryoneIfNoAclFound: false }, silentLogger(), silentLogger())
  for (let i = 0; i < bindings.length; i += 500) await a.createAcls(bindings.slice(i, i + 500))
  return a
}

/** Decisions per second over `topics`, round robin; the allowed count keeps the work from being optimised away. */
function measure (decide: (topic: string) => boolean, topics: readonly string[]): { perSecond: number, allowed: number } {
  let allowed = 0
  for (let i = 0; i < 100_000; i++) if (decide(topics[i % topics.length]!)) allowed++ // warm-up
  allowed = 0
  const start = process.hrtime.bigint()
  for (let i = 0; i < decisions; i++) if (decide(topics[i % topics.length]!)) allowed++
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  return { perSecond: decisions / seconds, allowed }
}

const topics = Array.from({ length: 1000 }, (_, i) => i % 2 === 0 ? `topic-${i}` : `team-${i % 50}-events-${i}`)
const small = await authorizer([binding('topic-0', false, 'User:alice'), binding('team-1-', true, 'User:alice'), ...Array.from({ length: 8 }, (_, i) => binding(`other-${i}`, false, 'User:bob'))])
const large = await authorizer([
  ...Array.from({ length: literalCount }, (_, i) => binding(`topic-${i}`, false, i % 3 === 0 ? 'User:alice' : 'User:bob')),
  // prefixes of many lengths: "team-1-", "team-12-", "team-1-events-1" ...
  ...Array.from({ length: prefixedCount }, (_, i) => binding(i % 2 === 0 ? `team-${i % 50}-` : `team-${i % 50}-events-${i}`, true, i % 4 === 0 ? 'User:alice' : 'User:bob')),
])

say(`${decisions} decisions each (Write on a topic, names round robin), Node ${process.version}`)
const none = measure(() => true, topics)
say(`no authorizer (baseline)                                 ${(none.perSecond / 1e6).toFixed(1)} M/s`)
for (const [label, a] of [['10 ACLs', small], [`${literalCount} literal + ${prefixedCount} prefixed`, large]] as const) {
  const decide = (topic: string): boolean => a.authorize(session, AclOperation.WRITE, ResourceType.TOPIC, topic, audit)
  // allowed decisions log at debug (off); denied ones at info, through winston (silent here: its pipeline without the write)
  const allowedTopics = topics.filter(decide)
  const deniedTopics = topics.filter(t => !decide(t))
  for (const [kind, list] of [['allowed', allowedTopics], ['denied', deniedTopics]] as const) {
    const r = measure(decide, list)
    say(`AclAuthorizer, ${label.padEnd(30)} ${kind.padEnd(7)} ${(r.perSecond / 1e6).toFixed(2)} M/s  ${(1e9 / r.perSecond).toFixed(0)} ns each (${list.length} names)`)
  }
}
