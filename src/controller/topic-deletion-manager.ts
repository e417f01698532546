import type { Logger } from '../logger.js'
import { deleteTopicZnode, entityConfigZnode, topicZnode } from '../cluster/znodes.js'
import type { ZkClient } from '../cluster/zk-session.js'
import type { PartitionStateMachine } from './partition-state-machine.js'

/**
 * Topic deletion (Kafka's TopicDeletionManager, simplified): Kafka first has every replica
 * stopped and deleted (StopReplica) and only then removes the topic's znodes. Here brokers learn
 * of a deletion from ZooKeeper itself (the metadata cache's watch on /brokers/topics) and drop
 * their logs when the topic znode vanishes, so the controller removes the znodes at once: the
 * assignment, the config overrides, then the /admin/delete_topics entry that asked for it.
 */
export class TopicDeletionManager {
  constructor (
    private readonly zk: ZkClient,
    private readonly partitionStateMachine: PartitionStateMachine,
    private readonly log: Logger,
  ) {}

  /** One topic after the other; the request's entry goes last, so a retry finds what is left to do. */
  async deleteTopics (names: readonly string[]): Promise<void> {
    for (const name of names) {
      this.log.info('deleting topic', { topic: name })
      await this.zk.removeRecursive(topicZnode.path(name))
      await this.zk.removeRecursive(entityConfigZnode.path('topics', name))
      await this.zk.removeRecursive(deleteTopicZnode.path(name))
      this.partitionStateMachine.removeTopic(name)
    }
  }
}
