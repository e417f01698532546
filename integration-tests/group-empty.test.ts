import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Connection } from '../src/client/connection.js'
import { ErrorCode, errorName } from '../src/protocol/error-codes.js'
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../src/protocol/messages/find-coordinator.js'
import { DescribeGroupsRequest, DescribeGroupsResponse } from '../src/protocol/messages/describe-groups.js'
import { JoinGroupRequest, JoinGroupResponse } from '../src/protocol/messages/join-group.js'
import { LeaveGroupRequest, LeaveGroupResponse } from '../src/protocol/messages/leave-group.js'
import { ListGroupsRequest, ListGroupsResponse } from '../src/protocol/messages/list-groups.js'
import { SyncGroupRequest, SyncGroupResponse } from '../src/protocol/messages/sync-group.js'
import { startCluster } from './support/cluster.js'
import { waitFor } from './support/wait-for.js'

const SESSION_MS = 6000

/** JoinGroup (v5: the first try asks for a member id, KIP-394) then SyncGroup: one Stable member. */
async function joinAlone (conn: Connection, groupId: string): Promise<string> {
  // FindCoordinator creates __consumer_offsets on first use; the coordinator then loads it
  await waitFor(async () => (await conn.send(FindCoordinatorRequest, FindCoordinatorResponse, 1, { key: groupId, keyType: 0 })).errorCode === ErrorCode.NONE,
    `a coordinator for ${groupId}`, { timeoutMs: 20_000, intervalMs: 100 })
  let memberId = ''
  for (;;) {
    const join = await conn.send(JoinGroupRequest, JoinGroupResponse, 5, {
      groupId, sessionTimeoutMs: SESSION_MS, rebalanceTimeoutMs: SESSION_MS, memberId, groupInstanceId: null, protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
    })
    if (join.errorCode === ErrorCode.MEMBER_ID_REQUIRED) { memberId = join.memberId; continue }
    assert.equal(join.errorCode, ErrorCode.NONE, errorName(join.errorCode))
    const sync = await conn.send(SyncGroupRequest, SyncGroupResponse, 5, {
      groupId, generationId: join.generationId, memberId: join.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range',
      assignments: [{ memberId: join.memberId, assignment: Buffer.alloc(0) }],
    })
    assert.equal(sync.errorCode, ErrorCode.NONE, errorName(sync.errorCode))
    return join.memberId
  }
}

/**
 * DescribeGroups, then ListGroups: a session may expire between the two, and in this order a
 * member seen gone can only be followed by Empty (nothing brings a lapsed group back to Stable).
 */
async function states (conn: Connection, groupId: string): Promise<{ listed: string | undefined, described: string, members: number }> {
  const described = await conn.send(DescribeGroupsRequest, DescribeGroupsResponse, 5, { groups: [groupId], includeAuthorizedOperations: false })
  const list = await conn.send(ListGroupsRequest, ListGroupsResponse, 4, { statesFilter: [] })
  const g = described.groups[0]!
  return { listed: list.groups.find(x => x.groupId === groupId)?.groupState, described: g.groupState, members: g.members.length }
}

test('a group whose last member leaves or lapses is Empty the moment that shows (KIP-345 era GroupCoordinator)', async t => {
  const cluster = await startCluster({ brokers: 1, config: { 'offsets.topic.num.partitions': 1, 'offsets.topic.replication.factor': 1 } })
  t.after(cluster.cleanup)
  const conn = new Connection({ host: '127.0.0.1', port: cluster.brokers[0]!.port }, { clientId: 'group-empty-test', connectTimeoutMs: 5000, requestTimeoutMs: 20_000 })
  await conn.connect()
  t.after(() => conn.close())

  await t.test('ListGroups and DescribeGroups right after the LeaveGroup answer', async () => {
    const memberId = await joinAlone(conn, 'leaving')
    assert.deepEqual(await states(conn, 'leaving'), { listed: 'Stable', described: 'Stable', members: 1 })
    const left = await conn.send(LeaveGroupRequest, LeaveGroupResponse, 4, { groupId: 'leaving', members: [{ memberId, groupInstanceId: null, reason: null }] })
    assert.equal(left.errorCode, ErrorCode.NONE)
    // the next requests on this connection are answered after the leave: no time for a later step
    assert.deepEqual(await states(conn, 'leaving'), { listed: 'Empty', described: 'Empty', members: 0 })
  })

  await t.test('after the last member\'s session expires', async () => {
    await joinAlone(conn, 'lapsing')
    const seen: Array<Awaited<ReturnType<typeof states>>> = []
    await waitFor(async () => {
      seen.push(await states(conn, 'lapsing'))
      return seen.at(-1)!.members === 0
    }, 'the member\'s session to expire', { timeoutMs: SESSION_MS + 10_000, intervalMs: 5 })
    assert.deepEqual(seen.at(-1), { listed: 'Empty', described: 'Empty', members: 0 }, 'no moment with the member gone and the group still rebalancing')
    assert.ok(seen.filter(s => s.members === 1).every(s => s.described === 'Stable'))
  })
})
