/**
 * Brokers with their controllers over one fake ZooKeeper, for the controller's unit tests.
 */
import assert from 'node:assert/strict'
import { silentLogger } from '../../logger.js'
import { ensurePersistentPaths } from '../../cluster/broker-registration.js'
import { FakeZooKeeper, type FakeZkSession } from '../../cluster/support/fake-zookeeper.js'
import { registerTestBroker } from '../../cluster/support/znode-fixtures.js'
import { Controller, type ControllerConfig } from '../controller.js'

const config: ControllerConfig = { uncleanLeaderElection: false, autoLeaderRebalance: false, imbalanceCheckIntervalMs: 300_000, imbalancePercentage: 10 }

export interface Broker { id: number, session: FakeZkSession, controller: Controller }

/** Brokers registered from their own sessions, each with a controller candidate on that session, as KafkaServer starts them. */
export async function cluster (ids: number[]): Promise<{ server: FakeZooKeeper, admin: FakeZkSession, brokers: Map<number, Broker>, kill: (id: number) => void, activeController: () => Broker | undefined }> {
  const server = new FakeZooKeeper()
  const admin = server.open()
  await ensurePersistentPaths(admin)
  const brokers = new Map<number, Broker>()
  for (const id of ids) {
    const session = server.open()
    await registerTestBroker(session, id)
    brokers.set(id, { id, session, controller: new Controller(session, id, config, silentLogger()) })
  }
  for (const b of brokers.values()) await b.controller.start()
  await server.settled()
  /** The broker's process dies: its session is closed and its controller is no more. */
  const kill = (id: number): void => {
    brokers.get(id)?.session.close()
    brokers.delete(id)
  }
  const activeController = (): Broker | undefined => {
    const active = [...brokers.values()].filter(b => b.controller.isActive)
    assert.ok(active.length <= 1, `one active controller at most, found ${active.map(b => b.id).join(', ')}`)
    return active[0]
  }
  return { server, admin, brokers, kill, activeController }
}

