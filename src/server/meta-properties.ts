import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '../errors.js'
import { parseProperties } from '../config/java-properties.js'
import { atomicWrite } from '../storage/atomic-write.js'
import { isIoError, type LogDirFailureChannel } from '../storage/log-dir-failure-channel.js'

/** meta.properties in each log dir: which cluster and broker the data belongs to (Kafka's format). */
export interface MetaProperties { clusterId: string, brokerId: number }

export function readMetaProperties (logDir: string): MetaProperties | null {
  const file = join(logDir, 'meta.properties')
  if (!existsSync(file)) return null
  const p = parseProperties(readFileSync(file, 'utf8'))
  const brokerId = Number(p['broker.id'])
  if (p['cluster.id'] === undefined || !Number.isInteger(brokerId)) throw new ConfigError([`${file}: has no valid cluster.id and broker.id`])
  return { clusterId: p['cluster.id'], brokerId }
}

/**
 * Checks that every log dir either is new or belongs to this cluster and broker id, as Kafka does
 * (InconsistentClusterIdException / InconsistentBrokerIdException). Returns the broker id the
 * dirs agree on, if any. A dir whose meta.properties cannot be read goes offline, as in Kafka.
 */
export function checkLogDirOwnership (logDirs: readonly string[], clusterId: string, configuredBrokerId: number, failures: LogDirFailureChannel): number | undefined {
  const problems: string[] = []
  let agreed: number | undefined
  for (const dir of logDirs) {
    let meta: MetaProperties | null
    try {
      meta = readMetaProperties(dir)
    } catch (err) {
      if (!isIoError(err)) throw err
      failures.maybeAddOfflineLogDir(dir, 'reading meta.properties', err)
      continue
    }
    if (meta === null) continue
    if (meta.clusterId !== clusterId) {
      problems.push(`log dir ${dir} belongs to cluster ${meta.clusterId}, but ZooKeeper holds cluster ${clusterId}: point log.dirs at this cluster's data or zookeeper.connect at that cluster`)
    }
    if (configuredBrokerId >= 0 && meta.brokerId !== configuredBrokerId) {
      problems.push(`log dir ${dir} belongs to broker.id ${meta.brokerId}, but this broker is configured with broker.id ${configuredBrokerId}`)
    }
    if (agreed !== undefined && meta.brokerId !== agreed) problems.push(`log dirs disagree on broker.id (${agreed} and ${meta.brokerId} in ${dir})`)
    agreed = meta.brokerId
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return agreed
}

/**
 * Written only when it changes (a restart on a full disk must not need a free byte) and then
 * atomically (atomic-write.ts), so a crash never leaves half a file.
 */
export function writeMetaProperties (logDir: string, meta: MetaProperties): void {
  const current = readMetaProperties(logDir)
  if (current?.clusterId === meta.clusterId && current.brokerId === meta.brokerId) return
  atomicWrite(join(logDir, 'meta.properties'), `#\n#${new Date().toString()}\ncluster.id=${meta.clusterId}\nversion=0\nbroker.id=${meta.brokerId}\n`)
}
