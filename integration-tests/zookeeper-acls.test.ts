import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { ZkError } from '../src/cluster/zk-session.js'
import { runTool } from './support/cli-tool.js'
import { startCluster } from './support/cluster.js'
import { runProcess } from './support/run-process.js'
import { waitForTopic } from './support/wire-connection.js'

const KCAT = '/usr/bin/kcat'
const skip = existsSync(KCAT) ? false : 'kcat is not installed (integration-tests/support/ensure-clients.sh)'

async function zkCode (work: Promise<unknown>): Promise<string> {
  return await work.then(() => 'OK', (err: unknown) => err instanceof ZkError ? err.code : String(err))
}

test('zookeeper.set.acl: the brokers\' znodes are readable by anyone, writable only with the brokers\' digest identity; SCRAM credentials are not even readable', { skip }, async t => {
  const cluster = await startCluster({
    brokers: 2,
    config: {
      'zookeeper.set.acl': true,
      'zookeeper.auth.digest': 'kafka:zk-secret',
      'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
      'super.users': 'User:ANONYMOUS',
    },
  })
  t.after(cluster.cleanup)
  const created = await runTool('kafka-topics', ['--bootstrap-server', cluster.bootstrap, '--create', '--topic', 'guarded', '--partitions', '2', '--replication-factor', '2'])
  assert.equal(created.code, 0, created.stderr)
  await waitForTopic(cluster.bootstrap, 'guarded', 2)
  const user = await runTool('kafka-configs', ['--bootstrap-server', cluster.bootstrap, '--alter', '--entity-type', 'users', '--entity-name', 'alice', '--add-config', 'SCRAM-SHA-256=[password=alice-secret]'])
  assert.equal(user.code, 0, user.stderr)
  const acl = await runTool('kafka-acls', ['--bootstrap-server', cluster.bootstrap, '--add', '--allow-principal', 'User:alice', '--operation', 'Read', '--topic', 'guarded'])
  assert.equal(acl.code, 0, acl.stdout + acl.stderr)

  // The brokers work as before: replication, the controller and ACL writes all go through their authenticated sessions.
  await runProcess(KCAT, ['-P', '-b', cluster.bootstrap, '-t', 'guarded', '-p', '0', '-X', 'acks=all'], { input: 'one\ntwo\n' })
  const read = await runProcess(KCAT, ['-C', '-b', cluster.bootstrap, '-t', 'guarded', '-p', '0', '-o', 'beginning', '-e', '-q'])
  assert.deepEqual(read.stdout.split('\n').filter(l => l !== ''), ['one', 'two'])

  // cluster.zk has no credentials: an outsider on the same ZooKeeper
  const outsider = cluster.zk
  assert.equal(await zkCode(outsider.getData('/brokers/topics/guarded')), 'OK', 'topics are readable by all')
  assert.equal(await zkCode(outsider.getData('/kafka-acl/Topic/guarded')), 'OK', 'ACLs are readable by all')
  assert.equal(await zkCode(outsider.setData('/brokers/topics/guarded', Buffer.from('{}'))), 'NO_AUTH')
  assert.equal(await zkCode(outsider.create('/brokers/topics/planted', Buffer.from('{}'))), 'NO_AUTH')
  assert.equal(await zkCode(outsider.setData('/kafka-acl/Topic/guarded', Buffer.from('{"version":1,"acls":[]}'))), 'NO_AUTH', 'nobody rewrites the ACLs behind the brokers\' back')
  assert.equal(await zkCode(outsider.create('/kafka-acl/Topic/planted', Buffer.from('{}'))), 'NO_AUTH')
  assert.equal(await zkCode(outsider.remove('/brokers/ids/1')), 'NO_AUTH', 'nobody deregisters a broker')
  assert.equal(await zkCode(outsider.getData('/config/users/alice')), 'NO_AUTH', 'SCRAM credentials are not world-readable (Kafka\'s sensitive paths)')
})
