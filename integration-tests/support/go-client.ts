import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { projectRoot } from './broker.js'
import { runProcess } from './run-process.js'

/** Where the Go client programs live: integration-tests/clients/go/<name>/main.go. */
export const goClientsDir = join(projectRoot, 'integration-tests/clients/go')

/** What the Go client tests need: Go and Debian's Sarama and kafka-go sources (ensure-clients.sh). */
export function goClientMissing (name: 'sarama' | 'kafka-go'): string | undefined {
  const source = { sarama: 'github.com/Shopify/sarama', 'kafka-go': 'github.com/segmentio/kafka-go' }[name]
  if (!existsSync('/usr/bin/go') && !existsSync('/usr/lib/go/bin/go')) return 'go is not installed (run integration-tests/support/ensure-clients.sh)'
  if (!existsSync(join('/usr/share/gocode/src', source))) return `${source} is not in /usr/share/gocode (run integration-tests/support/ensure-clients.sh)`
  return undefined
}

/**
 * Builds a Go program, by default integration-tests/clients/go/<name>, offline against Debian's Go sources
 * (GO111MODULE=off GOPATH=/usr/share/gocode) and returns the binary's path. Binaries are kept in
 * the temp dir under the hash of the program's source, and Go's build cache beside them, so only
 * the first test on a machine pays for a cold build. Parallel test processes may build at once:
 * each builds into its own name and renames into place.
 */
export async function buildGoClient (name: string, sourceDir = join(goClientsDir, name)): Promise<string> {
  const hash = createHash('sha256')
  for (const file of readdirSync(sourceDir).sort()) hash.update(file).update(readFileSync(join(sourceDir, file)))
  const cacheDir = join(tmpdir(), 'zkafka-go-clients')
  const binary = join(cacheDir, `${name}-${hash.digest('hex').slice(0, 16)}`)
  if (existsSync(binary)) return binary
  mkdirSync(cacheDir, { recursive: true })
  const building = `${binary}.${process.pid}`
  await runProcess('go', ['build', '-o', building, '.'], {
    cwd: sourceDir,
    timeoutMs: 120_000,
    env: { ...process.env, GO111MODULE: 'off', GOPATH: '/usr/share/gocode', GOCACHE: join(cacheDir, 'go-build'), GOFLAGS: '' },
  })
  renameSync(building, binary)
  return binary
}
