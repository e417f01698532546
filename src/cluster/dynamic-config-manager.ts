import { EventEmitter } from 'node:events'
import { usableDynamicConfigs } from '../config/dynamic-broker-config.js'
import { toKafkaConfig, type BrokerConfigLayers, type KafkaConfig } from '../config/kafka-config.js'
import type { Logger } from '../logger.js'
import { entityConfigZnode } from './znodes.js'
import type { ZkClient } from './zk-session.js'

type DynamicLevel = keyof Pick<BrokerConfigLayers, 'dynamicBroker' | 'dynamicDefault'>

/**
 * This broker's dynamic configs (KIP-226): /config/brokers/<default> (cluster-wide) and
 * /config/brokers/<id> (this broker) over its static config, read before anything starts and
 * watched from then on (Kafka's DynamicBrokerConfig, fed as its DynamicConfigManager feeds it).
 * `current` is the config the broker runs with; 'change' (current, previous) tells whoever applies
 * a key without a restart (KafkaServer wires them up).
 */
export class DynamicConfigManager extends EventEmitter {
  private config: KafkaConfig
  private stopped = false
  /** Reads and applications, one at a time in arrival order. */
  private queue: Promise<void> = Promise.resolve()

  static async start (zk: ZkClient, brokerId: number, staticConfig: KafkaConfig, log: Logger): Promise<DynamicConfigManager> {
    const manager = new DynamicConfigManager(zk, brokerId, staticConfig, log)
    manager.enqueue('dynamicDefault')
    manager.enqueue('dynamicBroker')
    await manager.queue
    // Watches die with their session: a new one reads both again and watches them again.
    zk.on('session', () => {
      manager.enqueue('dynamicDefault')
      manager.enqueue('dynamicBroker')
    })
    return manager
  }

  private constructor (private readonly zk: ZkClient, private readonly brokerId: number, staticConfig: KafkaConfig, private readonly log: Logger) {
    super()
    this.config = staticConfig
  }

  get current (): KafkaConfig { return this.config }

  stop (): void { this.stopped = true }

  private enqueue (level: DynamicLevel): void {
    this.queue = this.queue.then(async () => await this.load(level)).catch((err: unknown) => {
      this.log.error('applying dynamic broker configs failed', { error: (err as Error).stack ?? String(err) })
    })
  }

  /**
   * Reads one level and leaves a watch on its znode. exists() watches creation, change and
   * deletion alike, so each read leaves exactly one watch, fired at most once.
   */
  private async load (level: DynamicLevel): Promise<void> {
    if (this.stopped) return
    const entity = level === 'dynamicDefault' ? '<default>' : String(this.brokerId)
    const path = entityConfigZnode.path('brokers', entity)
    const generation = this.zk.generation
    let stored: Record<string, string>
    try {
      const present = await this.zk.exists(path, () => { if (this.zk.generation === generation) this.enqueue(level) })
      const node = present ? await this.zk.getData(path) : null
      stored = node === null ? {} : entityConfigZnode.decode(node.data)
    } catch (err) {
      // A lost connection: the watch may not be set, so read again once it is back.
      this.log.warn('reading dynamic broker configs failed; retrying', { path, error: (err as Error).message })
      if (this.zk.generation === generation) setTimeout(() => this.enqueue(level), 1000).unref()
      return
    }
    this.apply(level, entity, stored)
  }

  private apply (level: DynamicLevel, entity: string, stored: Record<string, string>): void {
    const { usable, dropped } = usableDynamicConfigs(stored, level === 'dynamicBroker')
    if (dropped.length > 0) this.log.error('dynamic broker configs that cannot be applied are ignored', { entity, configs: dropped })
    const previous = this.config
    if (sameConfigs(previous.layers[level], usable)) return
    const { config, problems } = toKafkaConfig(previous.layers.static, { ...previous.layers, [level]: usable })
    if (config === undefined) {
      this.log.error('dynamic broker configs refused; the broker keeps its current config', { entity, problems })
      return
    }
    this.config = config
    this.log.info('dynamic broker configs updated', { entity, configs: Object.keys(usable) })
    this.emit('change', config, previous)
  }
}

function sameConfigs (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every(k => a[k] === b[k])
}
