/**
 * OffsetCommit/OffsetFetch version 0 keep offsets in ZooKeeper, as Kafka 0.8.1 did (its ZkUtils: /consumers/<group>/offsets/<topic>/<partition>):
 * /consumers/<group>/offsets/<topic>/<partition> holds the next offset to consume as decimal text.
 */
import { ZkError, type ZkClient } from '../cluster/zk-session.js'

export const consumerOffsetZnode = {
  path: (group: string, topic: string, partition: number): string => `/consumers/${group}/offsets/${topic}/${partition}`,
  encode: (offset: number): Buffer => Buffer.from(String(offset)),
  decode: (data: Buffer): number => {
    const offset = Number(data.toString('utf8').trim())
    return Number.isSafeInteger(offset) ? offset : -1
  },
}

/**
 * Whether a group id can be one znode name: ZooKeeper refuses '', '.', '..' and the characters
 * its PathUtils.validatePath does, and a '/' would nest the group's znodes.
 */
export function isZnodeName (name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\u0000-\u001f\u007f-\u009f\ud800-\uf8ff\ufff0-\uffff]/.test(name)
}

export async function commitOffsetToZooKeeper (zk: ZkClient, group: string, topic: string, partition: number, offset: number): Promise<void> {
  const path = consumerOffsetZnode.path(group, topic, partition)
  const data = consumerOffsetZnode.encode(offset)
  try {
    await zk.setData(path, data)
  } catch (err) {
    if (!(err instanceof ZkError && err.code === 'NO_NODE')) throw err
    await zk.mkdirp(path.slice(0, path.lastIndexOf('/')))
    try {
      await zk.create(path, data)
    } catch (e) {
      if (!(e instanceof ZkError && e.code === 'NODE_EXISTS')) throw e
      await zk.setData(path, data)
    }
  }
}

/** The committed offset, or -1 when there is none. */
export async function fetchOffsetFromZooKeeper (zk: ZkClient, group: string, topic: string, partition: number): Promise<number> {
  const node = await zk.getData(consumerOffsetZnode.path(group, topic, partition))
  return node === null ? -1 : consumerOffsetZnode.decode(node.data)
}
