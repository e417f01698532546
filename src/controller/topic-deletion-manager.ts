import type { Logger } from '../logger.js'
import { deleteTopicZnode, entityConfigZnode, topicZnode } from '../cluster/znodes.js'
import type { ZkClient } from '../cluster/zk-session.js'
import type { PartitionStateMachine } from './partition-state-machine.js'

/**
 * Topic deletion (Kafka's TopicDeletionManager, simplified): Kafka first has every replica
 * stopped and deleted (StopReplica) and only then removes the topic's znodes. Here brokers learn
 * of a deletion from ZooKeeper itself (the metadata cache's watch on /brokers/topics) and drop
 * their logs when the topic znode vanishes, so the controller removes the znodes at once: the
 * partition states, then in one multi the assignment, the config overrides and the
 * /admin/delete_topics entry that asked for it. A broker answers DeleteTopics once its cache has
 * seen the assignment go, and a client may create the topic again at once: the config znode must
 * be gone by then, or that creation would find it and fail with TOPIC_ALREADY_EXISTS.
 */
export class TopicDeletionManager {
  constructor (
    private readonly zk: ZkClient,
    private readonly partitionStateMachine: PartitionStateMachine,
    private readonly log: Logger,
  ) {}

  /** One topic after the other; the request's entry goes with the rest, so a retry finds what is left to do. */
  async deleteTopics (names: readonly string[]): Promise<void> {
    for (const name of names) {
      this.log.info('deleting topic', { topic: name })
      const topicPath = topicZnode.path(name)
      // ZooKeeper removes only znodes without children
      for (const child of await this.zk.getChildren(topicPath)) await this.zk.removeRecursive(`${topicPath}/${child}`)
      const paths = [topicPath, entityConfigZnode.path('topics', name), deleteTopicZnode.path(name)]
      const present = await Promise.all(paths.map(async path => await this.zk.exists(path)))
      await this.zk.multi(paths.flatMap((path, i) => present[i] === true ? [{ op: 'remove' as const, path }] : []))
      this.partitionStateMachine.removeTopic(name)
    }
  }
}
