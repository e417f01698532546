/**
 * Producer ids for InitProducerId (Kafka's ZkProducerIdManager): each broker reserves a block of
 * PRODUCER_ID_BLOCK_SIZE ids at /latest_producer_id_block with a write conditional on the znode
 * version it read, so no id is ever handed out twice across the cluster, and hands them out from
 * memory until the block runs out. A restart abandons the rest of its block, as in Kafka.
 */
import { producerIdBlockZnode, type ProducerIdsBlock } from '../cluster/znodes.js'
import { ZkError, type ZkClient } from '../cluster/zk-session.js'
import type { Logger } from '../logger.js'

/** Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE. */
export const PRODUCER_ID_BLOCK_SIZE = 1000

export class ProducerIdManager {
  private block: ProducerIdsBlock | undefined
  private nextProducerId = 0
  /** The block being reserved: concurrent requests wait for the same one. */
  private allocating: Promise<void> | undefined

  constructor (private readonly brokerId: number, private readonly zk: ZkClient, private readonly log: Logger) {}

  async generateProducerId (): Promise<number> {
    for (;;) {
      if (this.block !== undefined && this.nextProducerId <= this.block.blockEnd) return this.nextProducerId++
      this.allocating ??= this.allocateNewProducerIdBlock().finally(() => { this.allocating = undefined })
      await this.allocating
    }
  }

  private async allocateNewProducerIdBlock (): Promise<void> {
    for (;;) {
      const current = await this.zk.getData(producerIdBlockZnode.path)
      const previous = current === null ? null : producerIdBlockZnode.decode(current.data)
      const blockStart = previous === null ? 0 : previous.blockEnd + 1
      // Ids are numbers here (exact to 2^53, STYLE.md), Kafka's limit is Long.MAX_VALUE: far beyond either.
      if (blockStart + PRODUCER_ID_BLOCK_SIZE - 1 > Number.MAX_SAFE_INTEGER) throw new Error(`producer ids exhausted: the last block ends at ${previous?.blockEnd ?? -1}`)
      const block = { brokerId: this.brokerId, blockStart, blockEnd: blockStart + PRODUCER_ID_BLOCK_SIZE - 1 }
      const data = producerIdBlockZnode.encode(block)
      try {
        if (current === null) await this.zk.create(producerIdBlockZnode.path, data)
        else await this.zk.setData(producerIdBlockZnode.path, data, current.version)
      } catch (err) {
        // Another broker took a block between our read and write: read again.
        if (err instanceof ZkError && (err.code === 'BAD_VERSION' || err.code === 'NODE_EXISTS')) continue
        throw err
      }
      this.block = block
      this.nextProducerId = blockStart
      this.log.info('acquired a producer id block', { blockStart, blockEnd: block.blockEnd, zkVersion: current === null ? 0 : current.version + 1 })
      return
    }
  }
}
