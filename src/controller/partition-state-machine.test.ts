import { test } from 'node:test'
import assert from 'node:assert/strict'
import { silentLogger } from '../logger.js'
import { ensurePersistentPaths } from '../cluster/broker-registration.js'
import { FakeZooKeeper, type FakeZkSession } from '../cluster/support/fake-zookeeper.js'
import { readPartitionState, writePartitionState } from '../cluster/support/znode-fixtures.js'
import { createTopic, readAssignment } from '../cluster/topic-admin.js'
import { ZkError, type ZkOp } from '../cluster/zk-session.js'
import { controllerEpochZnode } from '../cluster/znodes.js'
import { PartitionStateMachine, type ControllerView } from './partition-state-machine.js'

/** The controller as the state machine sees it: its epoch, who is alive, and the epoch-fenced multi (as Controller.fencedMulti). */
class TestController implements ControllerView {
  readonly controllerEpoch = 1
  liveBrokerIds = new Set<number>()
  constructor (private readonly zk: FakeZkSession, private readonly epochZkVersion: number) {}
  fencedMulti = async (ops: readonly ZkOp[]): Promise<void> => {
    await this.zk.multi([{ op: 'check', path: controllerEpochZnode.path, version: this.epochZkVersion }, ...ops])
  }
}

interface Setup { zk: FakeZkSession, controller: TestController, psm: PartitionStateMachine, addTopic: (name: string, replicas: number[][], config?: Record<string, string>) => Promise<void> }

/** A controller of epoch 1 with brokers `live`; addTopic creates a topic and loads it as the controller's TopicChange does. */
async function setup (live: number[], config = { uncleanLeaderElection: false, imbalancePercentage: 10 }): Promise<Setup> {
  const zk = new FakeZooKeeper().open()
  await ensurePersistentPaths(zk)
  await zk.create(controllerEpochZnode.path, controllerEpochZnode.encode(1))
  const controller = new TestController(zk, 0)
  controller.liveBrokerIds = new Set(live)
  const psm = new PartitionStateMachine(zk, controller, config, silentLogger())
  const addTopic = async (name: string, replicas: number[][], topicConfig: Record<string, string> = {}): Promise<void> => {
    await createTopic(zk, name, new Map(replicas.map((r, i) => [i, r])), topicConfig)
    await psm.loadTopic(name, (await readAssignment(zk, name))!.assignment)
  }
  return { zk, controller, psm, addTopic }
}

test('new partitions get their first live replica as leader and every live replica in sync, written to their state znodes', async () => {
  const { zk, psm, addTopic } = await setup([1, 3])
  await addTopic('t', [[1, 2, 3], [2, 3, 1], [2]])
  await psm.electLeaders(['t'])
  assert.deepEqual(await readPartitionState(zk, 't', 0), { leader: 1, leaderEpoch: 0, isr: [1, 3], controllerEpoch: 1, version: 0 })
  assert.deepEqual(await readPartitionState(zk, 't', 1), { leader: 3, leaderEpoch: 0, isr: [3, 1], controllerEpoch: 1, version: 0 })
  assert.equal(await readPartitionState(zk, 't', 2), undefined, 'no live replica: no state until one comes')
})

test('a dead leader is replaced by the first live ISR member in assignment order; with none, unclean election only where the topic allows it', async () => {
  const { zk, controller, psm, addTopic } = await setup([1, 2, 3])
  await addTopic('clean', [[1, 2, 3], [1, 2]])
  await addTopic('dirty', [[1, 2]], { 'unclean.leader.election.enable': 'true' })
  // The leaders shrank their ISRs (isr_change notifications the controller re-reads).
  await writePartitionState(zk, 'clean', 0, { leader: 1, leaderEpoch: 0, isr: [1, 3, 2], controllerEpoch: 1 })
  await writePartitionState(zk, 'clean', 1, { leader: 1, leaderEpoch: 0, isr: [1], controllerEpoch: 1 })
  await writePartitionState(zk, 'dirty', 0, { leader: 1, leaderEpoch: 0, isr: [1], controllerEpoch: 1 })
  for (const [topic, partition] of [['clean', 0], ['clean', 1], ['dirty', 0]] as const) await psm.rereadPartition(topic, partition)

  controller.liveBrokerIds = new Set([2, 3])
  await psm.onBrokerChange([1])
  assert.deepEqual(await readPartitionState(zk, 'clean', 0), { leader: 2, leaderEpoch: 1, isr: [3, 2], controllerEpoch: 1, version: 1 }, 'broker 2 comes before 3 in the assignment')
  assert.deepEqual(await readPartitionState(zk, 'clean', 1), { leader: -1, leaderEpoch: 1, isr: [1], controllerEpoch: 1, version: 1 }, 'offline, waiting for its last ISR member')
  assert.deepEqual(await readPartitionState(zk, 'dirty', 0), { leader: 2, leaderEpoch: 1, isr: [2], controllerEpoch: 1, version: 1 }, 'unclean.leader.election.enable=true on the topic')
})

test('controlled shutdown moves leadership to another ISR member, leaves the broker out of the ISRs, and answers what only it can lead', async () => {
  const { zk, controller, psm, addTopic } = await setup([1, 2])
  await addTopic('t', [[1, 2], [2, 1], [1]])
  await psm.electLeaders(['t'])

  const remaining = await psm.controlledShutdown(1)
  assert.deepEqual(remaining, [{ topic: 't', partition: 2 }])
  assert.deepEqual(await readPartitionState(zk, 't', 0), { leader: 2, leaderEpoch: 1, isr: [2], controllerEpoch: 1, version: 1 })
  assert.deepEqual(await readPartitionState(zk, 't', 1), { leader: 2, leaderEpoch: 1, isr: [2], controllerEpoch: 1, version: 1 })
  assert.deepEqual(await readPartitionState(zk, 't', 2), { leader: 1, leaderEpoch: 0, isr: [1], controllerEpoch: 1, version: 0 })

  // Back in the ISR (its fetches caught up), it still may not lead while it is shutting down ...
  await writePartitionState(zk, 't', 0, { leader: 2, leaderEpoch: 1, isr: [2, 1], controllerEpoch: 1 })
  await psm.rereadPartition('t', 0)
  assert.deepEqual(await psm.electPreferredLeaders([{ topic: 't', partition: 0 }]), new Map([['t:0', 'not available']]))
  // ... until it has restarted (its registration went and came back).
  controller.liveBrokerIds = new Set([1, 2])
  await psm.onBrokerChange([1])
  assert.deepEqual(await psm.electPreferredLeaders([{ topic: 't', partition: 0 }]), new Map([['t:0', 'elected']]))
  assert.equal((await readPartitionState(zk, 't', 0))?.leader, 1)
})

test('another broker\'s change during a controlled shutdown leaves the stopping broker leading what it could not hand over', async () => {
  const { zk, controller, psm, addTopic } = await setup([1, 2, 3])
  await addTopic('t', [[1], [3, 2]])
  await psm.electLeaders(['t'])
  assert.deepEqual(await psm.controlledShutdown(1), [{ topic: 't', partition: 0 }])
  // broker 3 dies while 1 is still shutting down (still registered)
  controller.liveBrokerIds = new Set([1, 2])
  await psm.onBrokerChange([3])
  assert.equal((await readPartitionState(zk, 't', 0))?.leader, 1, 'not taken offline: broker 1 still serves it (Kafka elects only for offline partitions)')
  assert.equal((await readPartitionState(zk, 't', 1))?.leader, 2, 'the dead leader is replaced')
})

test('a write that lost the race with a leader\'s ISR change is read again and the rule applied to what the leader wrote', async () => {
  const { zk, controller, psm, addTopic } = await setup([1, 2, 3])
  await addTopic('t', [[1, 2, 3]])
  await psm.electLeaders(['t'])
  // Leader 1 drops follower 3 without the controller having re-read the state yet.
  await writePartitionState(zk, 't', 0, { leader: 1, leaderEpoch: 0, isr: [1, 2], controllerEpoch: 1 })

  controller.liveBrokerIds = new Set([1, 3])
  await psm.onBrokerChange([2])
  assert.deepEqual(await readPartitionState(zk, 't', 0), { leader: 1, leaderEpoch: 1, isr: [1], controllerEpoch: 1, version: 2 },
    'neither the leader\'s shrink to [1, 2] nor the controller\'s stale [1, 3] survives')
})

test('a deposed controller\'s write fails on the controller epoch and is not taken for a race', async () => {
  const { zk, controller, psm, addTopic } = await setup([1, 2])
  await addTopic('t', [[1, 2]])
  await psm.electLeaders(['t'])
  await zk.setData(controllerEpochZnode.path, controllerEpochZnode.encode(2)) // another broker was elected

  controller.liveBrokerIds = new Set([2])
  await assert.rejects(psm.onBrokerChange([1]), (err: unknown) => err instanceof ZkError && err.code === 'BAD_VERSION' && err.path === controllerEpochZnode.path)
  assert.deepEqual(await readPartitionState(zk, 't', 0), { leader: 1, leaderEpoch: 0, isr: [1, 2], controllerEpoch: 1, version: 0 })
})
