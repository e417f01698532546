/**
 * Kafka's CooperativeStickyAssignor (KIP-429), simplified: balance as evenly as the subscriptions
 * allow while keeping every member's owned partitions where possible, then withhold each partition
 * that changes owner. Its old owner sees it missing from its assignment, revokes it and rejoins; the
 * follow-up rebalance hands it to the new owner. So a rebalance revokes only what moves, and no
 * partition is ever owned by two members at once.
 *
 * Balancing: owned partitions stay (a partition claimed twice goes to the higher generation), the
 * rest go one at a time to the least-loaded subscribed member, then single moves from the most to
 * the least loaded member run until no subscribed member has two fewer than another. Java's
 * general-case search is more thorough for unequal subscriptions; for equal ones both end at
 * counts that differ by at most one with the fewest moves.
 */
import type { TopicPartition } from '../consumer.js'
import { compareMembers, type MemberSubscription, type PartitionAssignor } from './partition-assignor.js'

export class CooperativeStickyAssignor implements PartitionAssignor {
  readonly name = 'cooperative-sticky'
  readonly supportedProtocols = ['COOPERATIVE', 'EAGER'] as const

  assign (partitionsPerTopic: ReadonlyMap<string, number>, subscriptions: readonly MemberSubscription[]): Map<string, TopicPartition[]> {
    const members = [...subscriptions].sort(compareMembers)
    const previousOwner = previousOwners(members, partitionsPerTopic)
    const owned = new Map<string, string[]>(members.map(m => [m.memberId, []]))
    for (const [k, owner] of previousOwner) owned.get(owner)!.push(k)

    const subscribers = (k: string): MemberSubscription[] => members.filter(m => m.topics.includes(topicOf(k)))
    const load = (m: MemberSubscription): number => owned.get(m.memberId)!.length
    for (const k of allPartitions(partitionsPerTopic)) {
      if (previousOwner.has(k)) continue
      const target = leastLoaded(subscribers(k), load)
      if (target !== undefined) owned.get(target.memberId)!.push(k)
    }
    this.balance(members, owned, previousOwner, load)

    // KIP-429: a partition moving between members is withheld this round (its owner revokes it first)
    const out = new Map<string, TopicPartition[]>()
    for (const m of members) {
      const mine = owned.get(m.memberId)!.filter(k => (previousOwner.get(k) ?? m.memberId) === m.memberId)
      out.set(m.memberId, mine.map(parse).sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition))
    }
    return out
  }

  private balance (members: MemberSubscription[], owned: Map<string, string[]>, previousOwner: Map<string, string>, load: (m: MemberSubscription) => number): void {
    for (;;) {
      let move: { from: MemberSubscription, to: MemberSubscription, k: string } | undefined
      // the most loaded member first; from it, a partition it did not own before if there is one
      for (const from of [...members].sort((a, b) => load(b) - load(a))) {
        const candidates = [...owned.get(from.memberId)!].sort((a, b) => Number(previousOwner.get(a) === from.memberId) - Number(previousOwner.get(b) === from.memberId))
        for (const k of candidates) {
          const to = leastLoaded(members.filter(m => m.topics.includes(topicOf(k))), load)
          if (to !== undefined && load(to) < load(from) - 1) { move = { from, to, k }; break }
        }
        if (move !== undefined) break
      }
      if (move === undefined) return
      const list = owned.get(move.from.memberId)!
      list.splice(list.indexOf(move.k), 1)
      owned.get(move.to.memberId)!.push(move.k)
    }
  }
}

/** Owned partitions still valid (topic exists, still subscribed); a double claim goes to the higher generation. */
function previousOwners (members: MemberSubscription[], partitionsPerTopic: ReadonlyMap<string, number>): Map<string, string> {
  const owner = new Map<string, { memberId: string, generationId: number }>()
  for (const m of members) {
    for (const tp of m.ownedPartitions) {
      if (!m.topics.includes(tp.topic) || tp.partition >= (partitionsPerTopic.get(tp.topic) ?? 0)) continue
      const k = keyOf(tp)
      const current = owner.get(k)
      if (current === undefined || m.generationId > current.generationId) owner.set(k, { memberId: m.memberId, generationId: m.generationId })
    }
  }
  return new Map([...owner].map(([k, o]) => [k, o.memberId]))
}

function leastLoaded (candidates: MemberSubscription[], load: (m: MemberSubscription) => number): MemberSubscription | undefined {
  let best: MemberSubscription | undefined
  for (const m of candidates) if (best === undefined || load(m) < load(best) || (load(m) === load(best) && compareMembers(m, best) < 0)) best = m
  return best
}

function allPartitions (partitionsPerTopic: ReadonlyMap<string, number>): string[] {
  return [...partitionsPerTopic.keys()].sort().flatMap(topic => Array.from({ length: partitionsPerTopic.get(topic)! }, (_, partition) => keyOf({ topic, partition })))
}

function keyOf (tp: TopicPartition): string { return `${tp.topic}\u0000${tp.partition}` }
function topicOf (k: string): string { return k.slice(0, k.lastIndexOf('\u0000')) }
function parse (k: string): TopicPartition { return { topic: topicOf(k), partition: Number(k.slice(k.lastIndexOf('\u0000') + 1)) } }
