import { EventEmitter } from 'node:events'
import type { Logger } from '../logger.js'
import { brokerIdsZnode, controllerEpochZnode, controllerZnode } from '../cluster/znodes.js'
import { ZkError, type ZkOp, type ZkSession } from '../cluster/zk-session.js'
import { EventQueue } from './event-queue.js'

/**
 * Controller election through ZooKeeper (Kafka's KafkaController.elect): whoever creates the
 * ephemeral /controller wins, in one multi with a conditional bump of /controller_epoch. Every later
 * controller write goes through `fencedMulti`, which checks /controller_epoch's version first, so a
 * deposed controller cannot write. Events: 'elected' (epoch), 'resigned', 'brokersChanged' (ids).
 */
export class Controller extends EventEmitter {
  private active = false
  private stopped = false
  private epoch = 0
  private epochZkVersion = -1
  private liveBrokers: number[] = []
  readonly events: EventQueue

  constructor (private readonly zk: ZkSession, private readonly brokerId: number, private readonly log: Logger) {
    super()
    this.events = new EventQueue(zk, log)
    // A controller whose session expired must stop acting before anything else happens.
    zk.on('expired', () => this.resign('zookeeper session expired'))
    zk.on('session', () => { void this.events.enqueue('elect', async () => await this.elect()) })
  }

  get isActive (): boolean { return this.active }
  get controllerEpoch (): number { return this.epoch }
  get liveBrokerIds (): ReadonlySet<number> { return new Set(this.liveBrokers) }

  start (): Promise<void> {
    return this.events.enqueue('elect', async () => await this.elect())
  }

  /** A ZooKeeper multi that fails with BAD_VERSION if another controller was elected since. */
  async fencedMulti (ops: readonly ZkOp[]): Promise<void> {
    if (!this.active) throw new Error('not the active controller')
    try {
      await this.zk.multi([{ op: 'check', path: controllerEpochZnode.path, version: this.epochZkVersion }, ...ops])
    } catch (err) {
      if (err instanceof ZkError && err.code === 'BAD_VERSION' && err.path === controllerEpochZnode.path) {
        this.resign('controller epoch moved on: another broker is controller')
      }
      throw err
    }
  }

  /** Steps down and deletes /controller if it is ours, so another broker takes over at once. */
  async shutdown (): Promise<void> {
    this.stopped = true
    const wasActive = this.active
    this.resign('shutting down')
    if (!wasActive) return
    try {
      const node = await this.zk.getData(controllerZnode.path)
      if (node !== null && controllerZnode.decode(node.data) === this.brokerId) await this.zk.remove(controllerZnode.path, node.version)
    } catch (err) {
      this.log.warn('could not delete /controller on shutdown', { error: (err as Error).message })
    }
  }

  private resign (reason: string): void {
    if (!this.active) return
    this.active = false
    this.log.info('resigned as controller', { reason, controllerEpoch: this.epoch })
    this.emit('resigned')
  }

  private async elect (): Promise<void> {
    if (this.stopped) return
    const watch = (): void => { void this.events.enqueue('controller changed', async () => await this.elect()) }
    const current = await this.zk.getData(controllerZnode.path, watch)
    if (current !== null) {
      const controllerId = controllerZnode.decode(current.data)
      if (controllerId !== this.brokerId || current.ephemeralOwner !== BigInt('0x' + this.zk.sessionId)) this.resign(`broker ${controllerId} is controller`)
      return
    }
    const epochNode = await this.readControllerEpoch()
    try {
      await this.zk.multi([
        { op: 'create', path: controllerZnode.path, data: controllerZnode.encode(this.brokerId, Date.now()), ephemeral: true },
        { op: 'setData', path: controllerEpochZnode.path, data: controllerEpochZnode.encode(epochNode.epoch + 1), version: epochNode.version },
      ])
    } catch (err) {
      if (err instanceof ZkError && (err.code === 'NODE_EXISTS' || err.code === 'BAD_VERSION')) {
        await this.elect() // lost the race: read the winner and watch it
        return
      }
      throw err
    }
    this.active = true
    this.epoch = epochNode.epoch + 1
    this.epochZkVersion = epochNode.version + 1
    this.log.info('elected controller', { brokerId: this.brokerId, controllerEpoch: this.epoch })
    // The watch for the /controller we just created: fires when it goes (session loss, shutdown).
    await this.zk.exists(controllerZnode.path, watch)
    this.emit('elected', this.epoch)
    await this.watchBrokers()
  }

  private async readControllerEpoch (): Promise<{ epoch: number, version: number }> {
    let node = await this.zk.getData(controllerEpochZnode.path)
    if (node === null) {
      try {
        await this.zk.create(controllerEpochZnode.path, controllerEpochZnode.encode(0))
      } catch (err) {
        if (!(err instanceof ZkError && err.code === 'NODE_EXISTS')) throw err
      }
      node = await this.zk.getData(controllerEpochZnode.path)
      if (node === null) throw new Error('/controller_epoch vanished while being created')
    }
    return { epoch: controllerEpochZnode.decode(node.data), version: node.version }
  }

  /** Broker membership as the controller sees it: failures are noticed through /brokers/ids. */
  private async watchBrokers (): Promise<void> {
    if (!this.active || this.stopped) return
    const watch = (): void => { void this.events.enqueue('brokers changed', async () => await this.watchBrokers()) }
    const ids = (await this.zk.getChildren(brokerIdsZnode.path, watch)).map(Number).sort((a, b) => a - b)
    const dead = this.liveBrokers.filter(id => !ids.includes(id))
    const born = ids.filter(id => !this.liveBrokers.includes(id))
    this.liveBrokers = ids
    if (dead.length > 0) this.log.info('brokers failed', { brokerIds: dead, liveBrokerIds: ids })
    if (born.length > 0) this.log.info('brokers started', { brokerIds: born, liveBrokerIds: ids })
    this.emit('brokersChanged', ids, born, dead)
  }
}
