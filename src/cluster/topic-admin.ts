import { randomUUID } from 'node:crypto'
import { configChangeZnode, deleteTopicZnode, entityConfigZnode, topicZnode, type ConfigEntityType, type TopicAssignment } from './znodes.js'
import { ZkError, type ZkClient } from './zk-session.js'

/**
 * Topic changes as ZooKeeper writes (Kafka's AdminZkClient): any broker may make them; the
 * controller sees them through its watches and does the rest (leaders, deletion).
 */
export class TopicExistsError extends Error {
  constructor (readonly topic: string) {
    super(`Topic '${topic}' already exists.`)
    this.name = 'TopicExistsError'
  }
}

/**
 * ZooKeeper drops the connection of a client whose request packet exceeds jute.maxbuffer
 * (0xfffff bytes by default), failing everything else in flight on it; Kafka's own ZooKeeper
 * client cannot read such a znode back either. Writes of client-sized data are checked here
 * first, leaving 4 KiB of the packet for paths, ACLs and headers.
 */
const MAX_ZNODE_WRITE_BYTES = 0xfffff - 4096

export class ZnodeTooLargeError extends Error {
  constructor (readonly path: string, readonly bytes: number) {
    super(`Writing ${bytes} bytes to ${path} would exceed ZooKeeper's limit of ${MAX_ZNODE_WRITE_BYTES} bytes per request (jute.maxbuffer).`)
    this.name = 'ZnodeTooLargeError'
  }
}

export function newTopicId (): string {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url')
}

export async function createTopic (zk: ZkClient, name: string, partitions: Map<number, number[]>, config: Record<string, string>): Promise<string> {
  const topicId = newTopicId()
  const configData = entityConfigZnode.encode(config)
  const topicData = topicZnode.encode({ topicId, partitions })
  checkWriteBytes(topicZnode.path(name), configData.length + topicData.length)
  try {
    await zk.multi([
      { op: 'create', path: entityConfigZnode.path('topics', name), data: configData },
      { op: 'create', path: topicZnode.path(name), data: topicData },
    ])
  } catch (err) {
    if (err instanceof ZkError && err.code === 'NODE_EXISTS') throw new TopicExistsError(name)
    throw err
  }
  return topicId
}

/** The assignment with its znode version, for a conditional update. */
export async function readAssignment (zk: ZkClient, name: string): Promise<{ assignment: TopicAssignment, version: number } | null> {
  const node = await zk.getData(topicZnode.path(name))
  return node === null ? null : { assignment: topicZnode.decode(node.data), version: node.version }
}

/** Adds partitions; BAD_VERSION (a concurrent change) surfaces as a ZkError for the caller to retry. */
export async function writeAssignment (zk: ZkClient, name: string, assignment: TopicAssignment, version: number): Promise<void> {
  const data = topicZnode.encode(assignment)
  checkWriteBytes(topicZnode.path(name), data.length)
  await zk.setData(topicZnode.path(name), data, version)
}

/** Marks a topic for deletion; the controller carries it out. */
export async function requestTopicDeletion (zk: ZkClient, name: string): Promise<void> {
  try {
    await zk.create(deleteTopicZnode.path(name), Buffer.alloc(0))
  } catch (err) {
    if (!(err instanceof ZkError && err.code === 'NODE_EXISTS')) throw err
  }
}

export async function readEntityConfig (zk: ZkClient, entityType: ConfigEntityType, name: string): Promise<Record<string, string>> {
  const node = await zk.getData(entityConfigZnode.path(entityType, name))
  return node === null ? {} : entityConfigZnode.decode(node.data)
}

/**
 * Replaces an entity's overrides and leaves a change notification, as Kafka does. A user+client
 * quota entity (`<user>/clients/<client-id>`) lies under its user's znode, created if missing.
 */
export async function writeEntityConfig (zk: ZkClient, entityType: ConfigEntityType, name: string, config: Record<string, string>): Promise<void> {
  const path = entityConfigZnode.path(entityType, name)
  const data = entityConfigZnode.encode(config)
  checkWriteBytes(path, data.length)
  if (await zk.exists(path)) await zk.setData(path, data)
  else {
    if (name.includes('/')) await zk.mkdirp(path.slice(0, path.lastIndexOf('/')))
    await zk.create(path, data)
  }
  await zk.create(configChangeZnode.path, configChangeZnode.encode(`${entityType}/${name}`), 'persistent_sequential')
}

function checkWriteBytes (path: string, bytes: number): void {
  if (bytes > MAX_ZNODE_WRITE_BYTES) throw new ZnodeTooLargeError(path, bytes)
}
