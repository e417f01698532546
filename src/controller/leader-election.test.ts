import { test } from 'node:test'
import assert from 'node:assert/strict'
import { electPreferred, initialState, onBrokersChanged, onControlledShutdown, onReplicaOffline } from './leader-election.js'

const live = (...ids: number[]): Set<number> => new Set(ids)

test('a new partition is led by its first live replica with every live replica in sync', () => {
  assert.deepEqual(initialState([2, 3, 1], live(1, 3), 5), { leader: 3, leaderEpoch: 0, isr: [3, 1], controllerEpoch: 5 })
  assert.equal(initialState([2], live(1), 5), undefined)
})

test('a dead leader is replaced from the ISR in assignment order, epoch + 1', () => {
  const p = { replicas: [1, 2, 3], state: { leader: 1, leaderEpoch: 4, isr: [1, 3, 2], controllerEpoch: 1 } }
  assert.deepEqual(onBrokersChanged(p, live(2, 3), false, 2), { leader: 2, leaderEpoch: 5, isr: [3, 2], controllerEpoch: 2 })
})

test('a dead follower leaves the ISR; nothing changes when everyone lives', () => {
  const p = { replicas: [1, 2, 3], state: { leader: 1, leaderEpoch: 4, isr: [1, 2, 3], controllerEpoch: 1 } }
  assert.deepEqual(onBrokersChanged(p, live(1, 3), false, 2), { leader: 1, leaderEpoch: 5, isr: [1, 3], controllerEpoch: 2 })
  assert.equal(onBrokersChanged(p, live(1, 2, 3), false, 2), undefined)
})

test('no live ISR member: offline with the ISR kept, unless unclean election is allowed', () => {
  const p = { replicas: [1, 2], state: { leader: 1, leaderEpoch: 0, isr: [1], controllerEpoch: 1 } }
  const offline = onBrokersChanged(p, live(2), false, 1)
  assert.deepEqual(offline, { leader: -1, leaderEpoch: 1, isr: [1], controllerEpoch: 1 })
  assert.equal(onBrokersChanged({ ...p, state: offline }, live(2), false, 1), undefined, 'offline stays offline')
  assert.deepEqual(onBrokersChanged({ ...p, state: offline }, live(1, 2), false, 1), { leader: 1, leaderEpoch: 2, isr: [1], controllerEpoch: 1 }, 'the ISR member returns and leads')
  assert.deepEqual(onBrokersChanged(p, live(2), true, 1), { leader: 2, leaderEpoch: 1, isr: [2], controllerEpoch: 1 })
})

test('a broker in controlled shutdown is never elected and leaves ISRs, but keeps what no one else can lead', () => {
  const onlyIsr = { replicas: [1, 2], state: { leader: 1, leaderEpoch: 3, isr: [1], controllerEpoch: 1 } }
  assert.equal(onBrokersChanged(onlyIsr, live(1, 2), false, 2, live(1)), undefined, 'another broker\'s change leaves it leading, not offline')
  const withSuccessor = { replicas: [1, 2], state: { leader: 1, leaderEpoch: 3, isr: [1, 2], controllerEpoch: 1 } }
  assert.deepEqual(onBrokersChanged(withSuccessor, live(1, 2), false, 2, live(1)), { leader: 2, leaderEpoch: 4, isr: [2], controllerEpoch: 2 }, 'moved where another ISR member can lead')
  const follows = { replicas: [3, 1, 2], state: { leader: 3, leaderEpoch: 3, isr: [3, 1, 2], controllerEpoch: 1 } }
  assert.deepEqual(onBrokersChanged(follows, live(1, 2, 3), false, 2, live(1)), { leader: 3, leaderEpoch: 4, isr: [3, 2], controllerEpoch: 2 }, 'it leaves the ISRs it follows')
  assert.deepEqual(onBrokersChanged(follows, live(1, 2), false, 2, live(1)), { leader: 2, leaderEpoch: 4, isr: [2], controllerEpoch: 2 }, 'passed over when its leader dies')
  assert.equal(onBrokersChanged({ replicas: [1, 2], state: undefined }, live(1, 2), false, 2, live(1))?.leader, 2, 'a new partition is not given to it')
})

test('preferred / controlled-shutdown election picks the first live ISR candidate', () => {
  const p = { replicas: [1, 2, 3], state: { leader: 2, leaderEpoch: 3, isr: [2, 1, 3], controllerEpoch: 1 } }
  assert.deepEqual(electPreferred(p, [1, 2, 3], live(1, 2, 3), 1), { leader: 1, leaderEpoch: 4, isr: [2, 1, 3], controllerEpoch: 1 })
  assert.equal(electPreferred(p, [2], live(1, 2, 3), 1), undefined)
  assert.deepEqual(electPreferred(p, [3, 1], live(1, 3), 1)?.leader, 3)
})

test('controlled shutdown moves leadership to another ISR member and drops the broker from ISRs it follows', () => {
  const led = { replicas: [1, 2, 3], state: { leader: 1, leaderEpoch: 2, isr: [1, 2, 3], controllerEpoch: 1 } }
  assert.deepEqual(onControlledShutdown(led, 1, live(1, 2, 3), 4), { leader: 2, leaderEpoch: 3, isr: [2, 3], controllerEpoch: 4 })
  const followed = { replicas: [2, 1], state: { leader: 2, leaderEpoch: 0, isr: [2, 1], controllerEpoch: 1 } }
  assert.deepEqual(onControlledShutdown(followed, 1, live(1, 2), 4), { leader: 2, leaderEpoch: 1, isr: [2], controllerEpoch: 4 })
  const alone = { replicas: [1, 2], state: { leader: 1, leaderEpoch: 0, isr: [1], controllerEpoch: 1 } }
  assert.equal(onControlledShutdown(alone, 1, live(1, 2), 4), undefined, 'no other ISR member: it stays')
})

test('a replica in a failed log dir hands leadership to another ISR member and leaves the ISR', () => {
  const led = { replicas: [1, 2, 3], state: { leader: 1, leaderEpoch: 2, isr: [1, 3, 2], controllerEpoch: 1 } }
  assert.deepEqual(onReplicaOffline(led, 1, live(1, 2, 3), false, 4), { leader: 2, leaderEpoch: 3, isr: [3, 2], controllerEpoch: 4 })
  assert.deepEqual(onReplicaOffline(led, 1, live(1, 3), false, 4), { leader: 3, leaderEpoch: 3, isr: [3, 2], controllerEpoch: 4 }, 'only a live ISR member leads')
  const followed = { replicas: [2, 1], state: { leader: 2, leaderEpoch: 0, isr: [2, 1], controllerEpoch: 1 } }
  assert.deepEqual(onReplicaOffline(followed, 1, live(1, 2), false, 4), { leader: 2, leaderEpoch: 1, isr: [2], controllerEpoch: 4 })
  assert.equal(onReplicaOffline({ ...followed, state: { ...followed.state, isr: [2] } }, 1, live(1, 2), false, 4), undefined, 'already out of the ISR')
})

test('a failed log dir holding the only ISR member keeps its leader, unless unclean election is allowed', () => {
  const alone = { replicas: [1, 2], state: { leader: 1, leaderEpoch: 5, isr: [1], controllerEpoch: 1 } }
  assert.equal(onReplicaOffline(alone, 1, live(1, 2), false, 4), undefined)
  assert.deepEqual(onReplicaOffline(alone, 1, live(1, 2), true, 4), { leader: 2, leaderEpoch: 6, isr: [2], controllerEpoch: 4 })
  assert.equal(onReplicaOffline(alone, 1, live(1), true, 4), undefined, 'no other live replica')
})
