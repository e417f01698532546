import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { createTopic } from './support/admin.js'
import { runProcess } from './support/run-process.js'
import { addScramUser, librdkafkaSecurity, securityCases, startSecureBroker } from './support/secure-listeners.js'
import { runTool } from './support/cli-tool.js'

const KCAT = '/usr/bin/kcat'
const skip = existsSync(KCAT) ? false : 'kcat is not installed (integration-tests/support/ensure-clients.sh)'

const kcatFlags = (props: Record<string, string>): string[] => Object.entries(props).flatMap(([k, v]) => ['-X', `${k}=${v}`])

test('kcat (librdkafka) over SASL_PLAINTEXT, SSL and SASL_SSL: produce and consume; wrong passwords and removed users are refused', { skip }, async t => {
  const { pki, cluster } = await startSecureBroker(t)

  for (const c of securityCases) {
    await t.test(`${c.name}: produce and consume`, async () => {
      const topic = `kcat-${c.name.replace(/[^A-Za-z0-9]+/g, '-')}`
      await createTopic(cluster.bootstrap, topic, { partitions: 1 })
      const bootstrap = cluster.bootstrapFor(c.listener)
      const props = kcatFlags(librdkafkaSecurity(c, pki))
      const values = ['one', 'two', 'three'].map(v => `${v} over ${c.name}`)
      await runProcess(KCAT, ['-P', '-b', bootstrap, '-t', topic, ...props], { input: values.join('\n') + '\n' })
      const { stdout } = await runProcess(KCAT, ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', ...props])
      assert.deepEqual(stdout.split('\n').filter(l => l !== ''), values)
    })
  }

  for (const c of securityCases.filter(x => x.mechanism !== undefined)) {
    await t.test(`${c.name}: a wrong password fails with SASL_AUTHENTICATION_FAILED`, async () => {
      const props = kcatFlags(librdkafkaSecurity(c, pki, 'wrong-password'))
      const failed = await runProcess(KCAT, ['-L', '-b', cluster.bootstrapFor(c.listener), '-m', '3', ...props]).then(() => undefined, (err: Error) => err.message)
      assert.ok(failed !== undefined, 'kcat -L succeeded with a wrong password')
      // librdkafka names the broker's error (the message it sent with SASL_AUTHENTICATION_FAILED)
      assert.match(failed, /SASL authentication error: Authentication failed/)
    })
  }

  await t.test('a user added with kafka-configs logs in without a restart; once deleted it cannot', async () => {
    const scram = securityCases.find(c => c.name === 'SASL_PLAINTEXT SCRAM-SHA-256')!
    const asCarol = (password: string): string[] => [...kcatFlags(librdkafkaSecurity(scram, pki, password)), '-X', 'sasl.username=carol']
    const bootstrap = cluster.bootstrapFor('SASL_PLAINTEXT')
    const before = await runProcess(KCAT, ['-L', '-b', bootstrap, '-m', '3', ...asCarol('carol-secret')]).then(() => 'ok', () => 'refused')
    assert.equal(before, 'refused')
    await addScramUser(cluster.bootstrap, 'carol', 'carol-secret')
    const described = await runTool('kafka-configs', ['--bootstrap-server', cluster.bootstrap, '--describe', '--entity-type', 'users', '--entity-name', 'carol'])
    assert.equal(described.stdout, "SCRAM credential configs for user-principal 'carol' are SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096\n")
    // the broker learns of the user through /config/changes: wait for that, bounded, by logging in
    const deadline = Date.now() + 10_000
    let listed = ''
    while (listed === '' && Date.now() < deadline) listed = await runProcess(KCAT, ['-L', '-b', bootstrap, '-m', '3', ...asCarol('carol-secret')]).then(r => r.stdout, () => '')
    assert.match(listed, /1 brokers:/, 'carol could not log in within 10 s of being added')

    const deleted = await runTool('kafka-configs', ['--bootstrap-server', cluster.bootstrap, '--alter', '--entity-type', 'users', '--entity-name', 'carol', '--delete-config', 'SCRAM-SHA-256,SCRAM-SHA-512'])
    assert.equal(deleted.stdout, 'Completed updating config for user carol.\n')
    let refusedAt = 0
    while (refusedAt === 0 && Date.now() < deadline + 10_000) {
      refusedAt = await runProcess(KCAT, ['-L', '-b', bootstrap, '-m', '3', ...asCarol('carol-secret')]).then(() => 0, () => Date.now())
    }
    assert.ok(refusedAt > 0, 'carol could still log in 10 s after her credentials were deleted')
  })
})
