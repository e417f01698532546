import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { ZkError } from '../cluster/zk-session.js'
import { silentLogger } from '../logger.js'
import { EventQueue, type SessionState } from './event-queue.js'

/** The session as the queue sees it: a generation, a connected flag and the events ZkSession emits. */
class FakeSession extends EventEmitter implements SessionState {
  generation = 1
  isConnected = true
  lose (): void { this.isConnected = false; this.emit('disconnected') }
  reconnect (): void { this.isConnected = true; this.emit('connected') }
  expire (): void { this.isConnected = false; this.emit('expired'); this.generation++; this.isConnected = true; this.emit('session') }
}

const connectionLoss = (): ZkError => new ZkError('CONNECTION_LOSS', '/brokers/topics/t/partitions/0/state')

test('an event that fails on a lost connection runs again once the connection is back, before the events behind it', async () => {
  const session = new FakeSession()
  const ran: string[] = []
  let attempts = 0
  const queue = new EventQueue(session, silentLogger(), async event => {
    if (event.type !== 'BrokerChange') {
      ran.push(event.type)
      return
    }
    attempts++
    ran.push(`BrokerChange#${attempts}`)
    if (attempts === 1) { session.lose(); throw connectionLoss() }
  })
  const first = queue.enqueue({ type: 'BrokerChange' })
  const second = queue.enqueue({ type: 'IsrChangeNotification' })
  await new Promise(resolve => setImmediate(resolve))
  assert.deepEqual(ran, ['BrokerChange#1'], 'nothing runs while the connection is down')
  session.reconnect()
  await Promise.all([first, second])
  assert.deepEqual(ran, ['BrokerChange#1', 'BrokerChange#2', 'IsrChangeNotification'], 'the failed event ran again, and in its place')
  assert.equal(session.listenerCount('connected') + session.listenerCount('expired') + session.listenerCount('session'), 0, 'no listener left behind')
})

test('an event whose connection comes back at once is retried without waiting for an event', async () => {
  const session = new FakeSession()
  let attempts = 0
  const queue = new EventQueue(session, silentLogger(), async () => { if (++attempts === 1) throw connectionLoss() })
  await queue.enqueue({ type: 'BrokerChange' })
  assert.equal(attempts, 2)
})

test('when the session expires instead, the event is given up and the queue goes on with the new session\'s work', async () => {
  const session = new FakeSession()
  let attempts = 0
  let failed!: () => void
  const failedOnce = new Promise<void>(resolve => { failed = resolve })
  const queue = new EventQueue(session, silentLogger(), async event => {
    if (event.type !== 'BrokerChange') return
    attempts++
    session.lose()
    failed()
    throw connectionLoss()
  })
  const stale = queue.enqueue({ type: 'BrokerChange' })
  const elect = queue.enqueue({ type: 'Reelect' })
  await failedOnce
  session.expire()
  await Promise.all([stale, elect])
  assert.equal(attempts, 1, 'not run again in the new session: its election reloads everything')
})

test('any other failure is a bug: logged, not retried, and the queue goes on', async () => {
  const session = new FakeSession()
  let attempts = 0
  let next = false
  const queue = new EventQueue(session, silentLogger(), async event => {
    if (event.type === 'TopicChange') { attempts++; throw new TypeError('a bug') }
    next = true
  })
  await queue.enqueue({ type: 'TopicChange' })
  await queue.enqueue({ type: 'TopicDeletion' })
  assert.deepEqual([attempts, next], [1, true])
})
