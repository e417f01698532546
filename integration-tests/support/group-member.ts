import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { projectRoot } from './broker.js'

export type GroupClient = 'kafka-python' | 'confluent-kafka' | 'kafkajs' | 'ours'

export interface GroupMemberOptions {
  bootstrap: string
  group: string
  topic: string
  /** Every client offers only this assignor (KafkaJS gets a "range" assigner of the test's own). */
  assignor?: 'range' | 'roundrobin' | 'cooperative-sticky'
  sessionTimeoutMs?: number
  /** group.instance.id (static membership; confluent-kafka only). */
  instanceId?: string
  /** client.id (KafkaJS only); by default `kafkajs-<group>`. */
  clientId?: string
}

interface MemberEvent { event: string, partitions?: number[], partition?: number, offset?: number, error?: string }

const PYTHON = '/usr/bin/python3'
const PYTHON_MEMBER = join(projectRoot, 'integration-tests/clients/python/group-consumer.py')
const KAFKAJS_MEMBER = join(projectRoot, 'dist/integration-tests/support/kafkajs-group-member.js')
const OUR_MEMBER = join(projectRoot, 'dist/integration-tests/support/our-group-member.js')

/**
 * One real consumer-group member in its own process (so it can be SIGKILLed without a
 * LeaveGroup): what it was assigned last and every record it processed, from its JSON lines.
 */
export class GroupMember {
  /** Partitions of the latest assignment; [] after a revocation. */
  assignment: number[] = []
  /** How many assignments it received: one per rebalance it took part in. */
  assignments = 0
  readonly processed: Array<{ partition: number, offset: number }> = []
  /** Commits the group refused (its generation was over); the member carried on after each. */
  readonly commitFailures: string[] = []
  closed = false
  private readonly stderr: string[] = []
  private readonly exited: Promise<void>

  private constructor (readonly client: GroupClient, private readonly child: ChildProcess) {
    let rest = ''
    child.stdout?.on('data', (d: Buffer) => {
      const lines = (rest + d.toString()).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) if (line.trim() !== '') this.onEvent(JSON.parse(line) as MemberEvent)
    })
    child.stderr?.on('data', (d: Buffer) => { this.stderr.push(d.toString()) })
    this.exited = new Promise(resolve => child.once('exit', () => resolve()))
  }

  static start (client: GroupClient, o: GroupMemberOptions): GroupMember {
    const flags = ['--assignor', o.assignor ?? 'range', '--session-timeout-ms', String(o.sessionTimeoutMs ?? 6000), ...(o.instanceId !== undefined ? ['--instance-id', o.instanceId] : []), ...(o.clientId !== undefined ? ['--client-id', o.clientId] : [])]
    const child = client === 'kafkajs' || client === 'ours'
      ? spawn(process.execPath, [client === 'ours' ? OUR_MEMBER : KAFKAJS_MEMBER, o.bootstrap, o.group, o.topic, ...flags], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(PYTHON, [PYTHON_MEMBER, client, o.bootstrap, o.group, o.topic, ...flags], { stdio: ['ignore', 'pipe', 'pipe'] })
    return new GroupMember(client, child)
  }

  get running (): boolean { return this.child.exitCode === null && this.child.signalCode === null }

  /** SIGKILL: gone without a LeaveGroup. SIGTERM: a clean close (LeaveGroup). */
  async kill (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.running) this.child.kill(signal)
    await this.exited
  }

  describe (): string {
    const exited = this.running ? '' : `, exited (${this.child.exitCode ?? this.child.signalCode})`
    const failures = this.commitFailures.length === 0 ? '' : `, ${this.commitFailures.length} commits refused (last: ${this.commitFailures[this.commitFailures.length - 1]})`
    return `${this.client} (pid ${this.child.pid}${exited}) assigned [${this.assignment.join(',')}], ${this.processed.length} records${failures}; stderr: ${this.stderr.join('').slice(-1500)}`
  }

  private onEvent (e: MemberEvent): void {
    if (e.event === 'assigned') { this.assignment = e.partitions ?? []; this.assignments++ }
    else if (e.event === 'revoked') this.assignment = []
    else if (e.event === 'record') this.processed.push({ partition: e.partition ?? -1, offset: e.offset ?? -1 })
    else if (e.event === 'commit-failed') this.commitFailures.push(e.error ?? '')
    else if (e.event === 'closed') this.closed = true
  }
}

/** Whether the members' assignments are disjoint, cover 0..partitions-1, and have these sizes. */
export function ownsAll (members: readonly GroupMember[], partitions: number, sizes: number[]): boolean {
  const owned = members.flatMap(m => m.assignment)
  const disjoint = new Set(owned).size === owned.length
  const counts = members.map(m => m.assignment.length).sort((a, b) => a - b)
  return disjoint && owned.length === partitions && JSON.stringify(counts) === JSON.stringify([...sizes].sort((a, b) => a - b))
}
