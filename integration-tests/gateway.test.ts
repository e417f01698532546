import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { Kafka, logLevel } from 'kafkajs'
import { partitionForKey } from '../src/client/murmur2.js'
import { createTopic } from './support/admin.js'
import { startCluster } from './support/cluster.js'
import { GatewayClient, GatewayProcess, type Frame } from './support/gateway.js'
import { readWithKafkaJs } from './support/kafkajs-simple-consumer.js'
import { runProcess } from './support/run-process.js'
import { RssSampler } from './support/rss-sampler.js'
import { waitFor } from './support/wait-for.js'

const KCAT = '/usr/bin/kcat'
const noKcat = existsSync(KCAT) ? false : 'kcat is not installed (integration-tests/support/ensure-clients.sh)'

const str = (data: string): object => ({ type: 'string', data })
const offsetsOf = (records: Frame[]): string[] => records.map(r => `${String(r.partition)}:${String(r.offset)}`)

test('the WebSocket gateway: produce, subscribe, groups, flow control', { skip: noKcat }, async t => {
  const cluster = await startCluster({ brokers: 1, config: { 'num.partitions': 3 } })
  t.after(cluster.cleanup)
  const gateway = await GatewayProcess.start(cluster.bootstrap)
  t.after(async () => await gateway.cleanup())
  const sockets: GatewayClient[] = []
  const connect = async (): Promise<GatewayClient> => {
    const c = await GatewayClient.connect(gateway.wsUrl)
    sockets.push(c)
    return c
  }
  t.after(async () => { for (const s of sockets) await s.close() })

  await t.test('produce with acks all/leader/none; kcat and KafkaJS read the records back', async () => {
    await createTopic(cluster.bootstrap, 'ws-produce', { partitions: 4 })
    const c = await connect()
    const acks: Frame[] = []
    for (let i = 0; i < 12; i++) {
      acks.push(await c.request({ op: 'produce', id: `p${i}`, topic: 'ws-produce', key: str(`user-${i % 5}`), value: { type: 'json', data: { n: i } }, headers: [{ name: 'h', value: str(`v${i}`) }], acks: i < 6 ? 'all' : 'leader' }, ['ack', 'error']))
    }
    for (const [i, a] of acks.entries()) {
      assert.equal(a.op, 'ack', JSON.stringify(a))
      assert.equal(a.topic, 'ws-produce')
      assert.equal(a.partition, partitionForKey(Buffer.from(`user-${i % 5}`), 4), 'the key chooses the partition as Kafka\'s clients do (murmur2)')
      assert.ok(a.offset >= 0 && a.timestamp > 0)
    }
    const none = await c.request({ op: 'produce', id: 'fire', topic: 'ws-produce', partition: 0, key: null, value: str('acks none'), acks: 'none' }, ['ack', 'error'])
    assert.equal(none.op, 'ack')
    assert.equal(none.offset, -1, 'acks=none has no offset to report, as Kafka\'s producer says -1')
    const batch = await c.request({ op: 'produceBatch', id: 'b', records: [{ topic: 'ws-produce', partition: 1, value: str('b0') }, { topic: 'ws-produce', partition: 9, value: str('bad partition') }, { topic: 'ws-produce', partition: 1, value: null }] }, ['acks'])
    assert.equal(batch.results.length, 3)
    assert.equal(batch.results[0].partition, 1)
    assert.equal(batch.results[1].name, 'UNKNOWN_TOPIC_OR_PARTITION', 'each record gets its own result')
    assert.equal(batch.results[2].offset, batch.results[0].offset + 1)

    const { stdout } = await runProcess(KCAT, ['-C', '-b', cluster.bootstrap, '-t', 'ws-produce', '-o', 'beginning', '-e', '-q', '-f', '%p %o %k %h %s\\n'])
    const lines = stdout.split('\n').filter(l => l !== '')
    assert.equal(lines.length, 15, stdout)
    for (const a of acks) assert.ok(lines.includes(`${String(a.partition)} ${String(a.offset)} user-${Number(String(a.id).slice(1)) % 5} h=v${String(a.id).slice(1)} {"n":${String(a.id).slice(1)}}`), `kcat reads ${JSON.stringify(a)}:\n${stdout}`)
    const kafka = new Kafka({ brokers: [cluster.bootstrap], logLevel: logLevel.NOTHING })
    const read = await readWithKafkaJs(kafka, 'ws-produce', 15)
    assert.deepEqual(read.filter(r => r.key === 'user-3').map(r => r.value).sort(), ['{"n":3}', '{"n":8}'])
  })

  await t.test('records produced by kcat arrive with keys, headers and timestamps intact (string, JSON, binary)', async () => {
    await createTopic(cluster.bootstrap, 'ws-kcat', { partitions: 1 })
    const c = await connect()
    const subscribed = await c.request({ op: 'subscribe', sub: 'k', topics: ['ws-kcat'], from: 'earliest', format: 'json' }, ['subscribed', 'error'])
    assert.deepEqual(subscribed.assigned, [{ topic: 'ws-kcat', partition: 0 }])
    const input = ['k1\t{"a":[1,2]}', 'k2\tplain text', 'k3\t' + '\u00ff\u00fe'].join('\n') + '\n'
    // -H headers, and one value that is not UTF-8 (latin1 bytes 0xff 0xfe written as such)
    await runProcess(KCAT, ['-P', '-b', cluster.bootstrap, '-t', 'ws-kcat', '-K', '\t', '-H', 'trace=abc', '-H', 'n={"x":1}', '-q'], { input: Buffer.from(input, 'latin1') as unknown as string })
    const records = await c.waitForRecords('k', 3, 'the records kcat wrote')
    assert.deepEqual(records.map(r => r.key), [str('k1'), str('k2'), str('k3')].map(v => ({ ...v, type: 'string' })))
    assert.deepEqual(records[0]!.value, { type: 'json', data: { a: [1, 2] } })
    assert.deepEqual(records[1]!.value, { type: 'string', data: 'plain text' }, 'not JSON: shown as text')
    assert.deepEqual(records[2]!.value, { type: 'base64', data: Buffer.from([0xff, 0xfe]).toString('base64') }, 'not UTF-8: shown as base64, the exact bytes')
    assert.deepEqual(records[0]!.headers, [{ name: 'trace', value: { type: 'string', data: 'abc' } }, { name: 'n', value: { type: 'json', data: { x: 1 } } }])
    for (const r of records) assert.ok(Math.abs(Number(r.timestamp) - Date.now()) < 60_000, `timestamp ${String(r.timestamp)} is kcat's CreateTime`)
  })

  await t.test('subscribe from earliest, latest, a timestamp, offsets, and a cursor after a reconnect', async () => {
    await createTopic(cluster.bootstrap, 'ws-from', { partitions: 2 })
    const producer = await connect()
    const produce = async (from: number, to: number): Promise<Frame[]> => {
      const b = await producer.request({ op: 'produceBatch', id: `batch-${from}`, records: Array.from({ length: to - from }, (_, i) => ({ topic: 'ws-from', partition: (from + i) % 2, value: str(`m${from + i}`) })) }, ['acks'])
      return b.results as Frame[]
    }
    const first = await produce(0, 10)
    const midTimestamp = Number(first[9]!.timestamp) + 1
    const c = await connect()
    await c.request({ op: 'subscribe', sub: 'early', topics: ['ws-from'], from: 'earliest' }, ['subscribed'])
    await c.request({ op: 'subscribe', sub: 'late', topics: ['ws-from'], from: 'latest' }, ['subscribed'])
    await c.request({ op: 'subscribe', sub: 'offs', topics: ['ws-from'], from: { offsets: { 'ws-from': { 0: 3, 1: 4 } } } }, ['subscribed'])
    await c.waitForRecords('early', 10, 'everything from earliest')
    await c.waitForRecords('offs', 3, 'partition 0 from offset 3 and partition 1 from 4')
    assert.deepEqual(offsetsOf(c.records('offs')).sort(), ['0:3', '0:4', '1:4'])
    // the timestamp subscription starts after the first ten
    while (Date.now() < midTimestamp) await new Promise(resolve => setImmediate(resolve))
    await c.request({ op: 'subscribe', sub: 'ts', topics: ['ws-from'], from: { timestamp: midTimestamp } }, ['subscribed'])
    await produce(10, 14)
    await c.waitForRecords('late', 4, 'only the records produced after subscribing')
    await c.waitForRecords('ts', 4, 'records at or after the timestamp')
    assert.deepEqual(c.records('late').map(r => r.value.data).sort(), ['m10', 'm11', 'm12', 'm13'])
    assert.deepEqual(c.records('ts').map(r => r.value.data).sort(), ['m10', 'm11', 'm12', 'm13'])

    // cursor: read some with credit, drop the socket, resume elsewhere: no gap, no duplicate
    const d = await connect()
    await d.request({ op: 'subscribe', sub: 'cur', topics: ['ws-from'], from: 'earliest', credit: 5 }, ['subscribed'])
    await d.waitForRecords('cur', 5, 'the five granted')
    const last = d.frames.filter(f => f.op === 'records' && f.sub === 'cur').at(-1)!
    const seen = offsetsOf(d.records('cur'))
    await d.close()
    const e = await connect()
    await e.request({ op: 'subscribe', sub: 'cur2', topics: ['ws-from'], from: { cursor: last.cursor } }, ['subscribed'])
    await e.waitForRecords('cur2', 14 - seen.length, 'the rest after the cursor')
    const all = [...seen, ...offsetsOf(e.records('cur2'))]
    assert.equal(new Set(all).size, all.length, 'no record twice')
    assert.equal(all.length, 14, 'no record missing')
  })

  await t.test('credit: a client that grants 10 gets 10, and more after granting more', async () => {
    await createTopic(cluster.bootstrap, 'ws-credit', { partitions: 1 })
    const c = await connect()
    await c.request({ op: 'produceBatch', id: 'fill', records: Array.from({ length: 100 }, (_, i) => ({ topic: 'ws-credit', value: str(`c${i}`) })) }, ['acks'])
    await c.request({ op: 'subscribe', sub: 's', topics: ['ws-credit'], from: 'earliest', credit: 10 }, ['subscribed'])
    await c.waitForRecords('s', 10, 'the ten granted')
    // a produce round trip after the records frame: any further records would have been sent before its ack
    await c.request({ op: 'produce', id: 'probe', topic: 'ws-credit', value: str('probe') }, ['ack'])
    await c.request({ op: 'produce', id: 'probe2', topic: 'ws-credit', value: str('probe') }, ['ack'])
    assert.equal(c.records('s').length, 10, 'no record beyond the credit')
    c.send({ op: 'credit', sub: 's', n: 25 })
    await c.waitForRecords('s', 35, 'the next 25')
    await c.request({ op: 'produce', id: 'probe3', topic: 'ws-credit', value: str('probe') }, ['ack'])
    assert.equal(c.records('s').length, 35)
    assert.deepEqual(c.records('s').map(r => r.offset), Array.from({ length: 35 }, (_, i) => i))
  })

  await t.test('groups: two sockets split the partitions, a third joining revokes and assigns, a close rebalances at once', async () => {
    await createTopic(cluster.bootstrap, 'ws-group', { partitions: 6 })
    const members = [await connect(), await connect()]
    const subs = await Promise.all(members.map(async (m, i) => await m.request({ op: 'subscribe', sub: `g${i}`, topics: ['ws-group'], group: 'ws-g', from: 'earliest' }, ['subscribed', 'error'])))
    assert.ok(subs.every(s => s.op === 'subscribed'), JSON.stringify(subs))
    // what a socket owns now: its subscribed frame, then every assigned and revoked frame since
    const owned = (m: GatewayClient, sub: string): Set<number> => {
      const s = new Set<number>()
      for (const f of m.frames.filter(f => f.sub === sub)) {
        if (f.op === 'subscribed' || f.op === 'assigned') for (const p of (f.assigned ?? f.partitions) as Frame[]) s.add(p.partition as number)
        if (f.op === 'revoked') for (const p of f.partitions as Frame[]) s.delete(p.partition as number)
      }
      return s
    }
    const splitEvenly = async (n: number): Promise<void> => {
      const sets = (): Array<Set<number>> => members.slice(0, n).map((m, i) => owned(m, `g${i}`))
      await waitFor(() => sets().every(s => s.size === 6 / n) && new Set(sets().flatMap(s => [...s])).size === 6,
        `the group to split 6 partitions evenly over ${n} sockets`, { timeoutMs: 20_000, onTimeout: () => JSON.stringify(sets().map(s => [...s])) })
    }
    await splitEvenly(2)
    const third = await connect()
    members.push(third)
    const before = members[0]!.frames.length
    await third.request({ op: 'subscribe', sub: 'g2', topics: ['ws-group'], group: 'ws-g', from: 'earliest' }, ['subscribed'])
    await members[0]!.next(f => f.op === 'revoked' && f.sub === 'g0', 'the first member told of a revocation', { from: before })
    await splitEvenly(3)
    await members.pop()!.close()
    const closedAt = Date.now()
    await splitEvenly(2)
    assert.ok(Date.now() - closedAt < 5000, `the group rebalanced ${Date.now() - closedAt} ms after the socket closed: a LeaveGroup, not the 45 s session timeout`)
  })

  await t.test('seek and commit: a group subscription commits its position and a new socket starts there', async () => {
    await createTopic(cluster.bootstrap, 'ws-commit', { partitions: 1 })
    const c = await connect()
    await c.request({ op: 'produceBatch', id: 'x', records: Array.from({ length: 20 }, (_, i) => ({ topic: 'ws-commit', value: str(`r${i}`) })) }, ['acks'])
    await c.request({ op: 'subscribe', sub: 'cm', topics: ['ws-commit'], group: 'ws-commit-g', from: 'earliest', credit: 8 }, ['subscribed'])
    await c.waitForRecords('cm', 8, 'the eight granted')
    const committed = await c.request({ op: 'commit', sub: 'cm' }, ['committed', 'error'])
    assert.deepEqual(committed.offsets, { 'ws-commit': { 0: 8 } })
    c.send({ op: 'seek', sub: 'cm', to: { offsets: { 'ws-commit': { 0: 2 } } } })
    c.send({ op: 'credit', sub: 'cm', n: 1 })
    await c.waitForRecords('cm', 9, 'the record at the seek position')
    assert.equal(c.records('cm')[8]!.offset, 2)
    const plain = await c.request({ op: 'subscribe', sub: 'nogroup', topics: ['ws-commit'] }, ['subscribed'])
    assert.equal(plain.op, 'subscribed')
    const refused = await c.request({ op: 'commit', sub: 'nogroup' }, ['error'])
    assert.equal(refused.name, 'INVALID_GROUP_ID')
    await c.request({ op: 'unsubscribe', sub: 'cm' }, ['unsubscribed'])
    const d = await connect()
    await d.request({ op: 'subscribe', sub: 'again', topics: ['ws-commit'], group: 'ws-commit-g', from: 'earliest' }, ['subscribed'])
    await d.waitForRecords('again', 12, 'the records after the committed offset')
    assert.equal(d.records('again')[0]!.offset, 8, 'starts at the committed offset, not at earliest')
  })

  await t.test('bad input gets an error frame and the socket stays open', async () => {
    const c = await connect()
    const cases: Array<[string | Buffer, string, RegExp]> = [
      ['{not json', 'INVALID_REQUEST', /not JSON/],
      ['[1,2]', 'INVALID_REQUEST', /JSON object/],
      ['{"op":"fly"}', 'INVALID_REQUEST', /unknown op "fly"/],
      ['{"op":"produce","topic":"t"}', 'INVALID_REQUEST', /"value" is missing/],
      ['{"op":"produce","topic":7,"value":null}', 'INVALID_REQUEST', /"topic" must be a topic name/],
      ['{"op":"produce","topic":"t","value":{"type":"base64","data":"!!"}}', 'INVALID_REQUEST', /base64/],
      ['{"op":"produce","topic":"t","value":{"type":"xml","data":""}}', 'INVALID_REQUEST', /"value".type/],
      [JSON.stringify({ op: 'produceBatch', records: Array.from({ length: 10_001 }, () => 0) }), 'INVALID_REQUEST', /at most 10000/],
      ['{"op":"subscribe","sub":"x","topics":[]}', 'INVALID_REQUEST', /non-empty array/],
      ['{"op":"subscribe","sub":"x","pattern":"(a+)+"}', 'INVALID_REQUEST', /exponential/],
      ['{"op":"subscribe","sub":"x","topics":["t"],"from":"yesterday"}', 'INVALID_REQUEST', /"from" must be/],
      ['{"op":"subscribe","sub":"x","topics":["ws-no-such-topic"]}', 'UNKNOWN_TOPIC_OR_PARTITION', /ws-no-such-topic/],
      ['{"op":"credit","sub":"nope","n":5}', 'INVALID_REQUEST', /no subscription "nope"/],
      ['{"op":"credit","sub":"nope","n":-5}', 'INVALID_REQUEST', /positive integer/],
      [Buffer.from([1, 2, 3]), 'INVALID_REQUEST', /binary frames/],
    ]
    for (const [frame, name, message] of cases) {
      const from = c.frames.length
      c.ws.send(frame)
      const answer = await c.next(f => f.op === 'error', `an error frame for ${String(frame).slice(0, 60)}`, { from })
      assert.equal(answer.name, name, JSON.stringify(answer))
      assert.match(answer.message as string, message)
      assert.equal(typeof answer.retriable, 'boolean')
    }
    await createTopic(cluster.bootstrap, 'ws-dup', { partitions: 1 })
    await c.request({ op: 'subscribe', sub: 'dup', topics: ['ws-dup'] }, ['subscribed'])
    const dup = await c.request({ op: 'subscribe', sub: 'dup', topics: ['ws-dup'] }, ['error'])
    assert.match(dup.message as string, /already exists/)
    const ok = await c.request({ op: 'produce', id: 'still-open', topic: 'ws-dup', value: str('fine') }, ['ack'])
    assert.equal(ok.op, 'ack', 'the socket still works after every bad frame')
    // a frame over gateway.max.frame.bytes (1 MiB) closes the socket with 1009
    c.ws.send(JSON.stringify({ op: 'produce', topic: 'ws-dup', value: str('x'.repeat(1_100_000)) }))
    await c.next(() => false, 'the close', { timeoutMs: 10_000 }).catch(() => {})
    assert.equal(c.closeCode, 1009)
  })

  await t.test('/metrics is Prometheus text and its counters move with the records', async () => {
    const before = await gateway.metric('kafka_gateway_records_delivered_total')
    const produced = await gateway.metric('kafka_gateway_records_produced_total')
    assert.ok(produced >= 12, `records produced counted: ${produced}`)
    const c = await connect()
    await c.request({ op: 'subscribe', sub: 'm', topics: ['ws-credit'], from: 'earliest' }, ['subscribed'])
    await c.waitForRecords('m', 103, 'the whole topic')
    assert.ok(await gateway.metric('kafka_gateway_records_delivered_total') >= before + 103)
    assert.ok(await gateway.metric('kafka_gateway_sockets') >= 1)
  })
})

test('gateway auth: tickets, bearer subprotocol, Origin, read-only', async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  const token = 'test-token-0123456789abcdef'
  const gateway = await GatewayProcess.start(cluster.bootstrap, { 'gateway.auth.tokens': token, 'gateway.allowed.origins': 'http://app.example', 'gateway.read.only': true })
  t.after(async () => await gateway.cleanup())
  const upgrade = async (url: string, options: { protocols?: string[], headers?: Record<string, string> } = {}): Promise<number> => {
    try {
      const c = await GatewayClient.connect(url, options)
      await c.close()
      return 101
    } catch (err) {
      return Number(/refused with (\d+)/.exec((err as Error).message)?.[1] ?? 0)
    }
  }
  assert.equal(await upgrade(gateway.wsUrl), 401, 'no ticket, no token: refused in the upgrade')
  assert.equal(await upgrade(gateway.wsUrl, { protocols: ['kafka.v1', 'bearer.wrong-token-xxxxxxxxx'] }), 401)
  assert.equal(await upgrade(gateway.wsUrl, { protocols: ['kafka.v1', `bearer.${token}`] }), 101, 'a bearer.<token> subprotocol is accepted')
  const mint = async (auth?: string): Promise<Response> => await fetch(`${gateway.url}/api/ws-ticket`, { method: 'POST', headers: auth === undefined ? {} : { authorization: auth } })
  assert.equal((await mint()).status, 401)
  assert.equal((await mint('Bearer nope')).status, 401)
  const { ticket } = await (await mint(`Bearer ${token}`)).json() as { ticket: string }
  assert.equal(await upgrade(`${gateway.wsUrl}?ticket=${ticket}`, { headers: { origin: 'http://app.example' } }), 101, 'a fresh ticket from an allowed origin')
  assert.equal(await upgrade(`${gateway.wsUrl}?ticket=${ticket}`), 401, 'a ticket is single-use')
  const { ticket: second } = await (await mint(`Bearer ${token}`)).json() as { ticket: string }
  assert.equal(await upgrade(`${gateway.wsUrl}?ticket=${second}`, { headers: { origin: 'http://evil.example' } }), 403, 'an origin not in gateway.allowed.origins')

  const c = await GatewayClient.connect(gateway.wsUrl, { protocols: ['kafka.v1', `bearer.${token}`] })
  t.after(async () => await c.close())
  assert.equal(c.ws.protocol, 'kafka.v1', 'the server answers with the kafka.v1 subprotocol, never echoing the token')
  const refused = await c.request({ op: 'produce', id: 1, topic: 't', value: str('x') }, ['error'])
  assert.equal(refused.name, 'TOPIC_AUTHORIZATION_FAILED')
  assert.match(refused.message as string, /gateway.read.only/)
  assert.equal(await gateway.metric('kafka_gateway_upgrades_refused_total', { status: '401' }), 3)
})

test('liveness and rate limit: a socket that stops answering pings is dropped; one producing too fast closes with 4029', async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'ws-rate', { partitions: 1 })
  const gateway = await GatewayProcess.start(cluster.bootstrap, { 'gateway.ping.interval.ms': 300, 'gateway.rate.limit.records.per.sec': 100 })
  t.after(async () => await gateway.cleanup())

  const silent = await GatewayClient.connect(gateway.wsUrl)
  const alive = await GatewayClient.connect(gateway.wsUrl)
  t.after(async () => await alive.close())
  // a stopped reader never sees the pings, so never answers them (a live one answers on its own)
  ;(silent.ws as unknown as { _socket: import('node:net').Socket })._socket.pause()
  await waitFor(async () => await gateway.metric('kafka_gateway_sockets') === 1, 'the gateway to terminate the socket that answers no ping', { timeoutMs: 5000 })
  const ok = await alive.request({ op: 'produce', id: 'a', topic: 'ws-rate', value: str('within the limit') }, ['ack'])
  assert.equal(ok.op, 'ack', 'the answering socket is still served')

  const fast = await GatewayClient.connect(gateway.wsUrl)
  fast.send({ op: 'produceBatch', id: 'burst', records: Array.from({ length: 500 }, () => ({ topic: 'ws-rate', value: str('x') })) })
  await fast.next(() => false, 'the close', { timeoutMs: 5000 }).catch(() => {})
  assert.equal(fast.closeCode, 4029, `closed with ${String(fast.closeCode)} ${fast.closeReason}`)
  assert.match(fast.closeReason, /gateway.rate.limit.records.per.sec/)
})

test('a subscriber that never reads: paused with bounded gateway memory, or closed with 4008', async t => {
  const cluster = await startCluster({ brokers: 1 })
  t.after(cluster.cleanup)
  await createTopic(cluster.bootstrap, 'ws-slow', { partitions: 1 })
  const RECORDS = 30_000 // of 1 KB: 30 MB, more than the gateway may hold for one socket
  const value = str('v'.repeat(1000))
  const fill = async (writer: GatewayClient, batches: number): Promise<void> => {
    for (let i = 0; i < batches; i++) await writer.request({ op: 'produceBatch', id: `w${i}`, records: Array.from({ length: 500 }, () => ({ topic: 'ws-slow', value })) }, ['acks'])
  }
  const stalledReader = async (gateway: GatewayProcess): Promise<{ reader: GatewayClient, socket: import('node:net').Socket }> => {
    const reader = await GatewayClient.connect(gateway.wsUrl)
    const socket = (reader.ws as unknown as { _socket: import('node:net').Socket })._socket
    await reader.request({ op: 'subscribe', sub: 'slow', topics: ['ws-slow'], from: 'earliest' }, ['subscribed'])
    socket.pause() // this client stops reading: TCP fills, then the gateway's queue passes its high-water mark
    return { reader, socket }
  }

  await t.test('pause (the default): the gateway stops fetching, holds little, and resumes where it stopped', async st => {
    const gateway = await GatewayProcess.start(cluster.bootstrap, { 'gateway.socket.high.water.bytes': 262_144 })
    t.after(async () => await gateway.cleanup())
    const writer = await GatewayClient.connect(gateway.wsUrl)
    t.after(async () => await writer.close())
    await fill(writer, 2)
    const baseline = RssSampler.start(gateway.pid!)
    const baselineMiB = baseline.maxMiB
    baseline.stop()
    const { reader, socket } = await stalledReader(gateway)
    const rss = RssSampler.start(gateway.pid!)
    await fill(writer, RECORDS / 500 - 2)
    await waitFor(async () => await gateway.metric('kafka_gateway_records_delivered_total') > 0, 'the first records to go out')
    const delivered = await gateway.metric('kafka_gateway_records_delivered_total')
    rss.stop()
    assert.ok(delivered < RECORDS, `the gateway stopped delivering to the stalled socket (${delivered} of ${RECORDS} sent)`)
    assert.ok(rss.maxMiB - baselineMiB < 50, `gateway RSS grew ${(rss.maxMiB - baselineMiB).toFixed(1)} MiB while ${RECORDS} records of 1 KB waited for a stalled socket`)
    st.diagnostic(`gateway RSS growth with a stalled subscriber: ${(rss.maxMiB - baselineMiB).toFixed(1)} MiB; ${delivered} of ${RECORDS} records sent before the pause`)
    socket.resume()
    const records = await reader.waitForRecords('slow', RECORDS, 'every record once the reader reads again', 60_000)
    assert.deepEqual(records.map(r => r.offset), Array.from({ length: RECORDS }, (_, i) => i), 'no gap, no duplicate after the pause')
    await reader.close()
  })

  await t.test('close: past the high-water mark the socket closes with 4008', async () => {
    const gateway = await GatewayProcess.start(cluster.bootstrap, { 'gateway.slow.consumer.policy': 'close', 'gateway.socket.high.water.bytes': 262_144 })
    t.after(async () => await gateway.cleanup())
    const writer = await GatewayClient.connect(gateway.wsUrl)
    t.after(async () => await writer.close())
    const { reader, socket } = await stalledReader(gateway)
    let batches = 0
    while (await gateway.metric('kafka_gateway_socket_closes_total', { code: '4008' }) < 1) {
      if (++batches > RECORDS / 500) throw new Error(`${RECORDS} records produced and the gateway has not closed the stalled socket with 4008`)
      await fill(writer, 1)
    }
    socket.resume()
    await reader.next(() => false, 'the close frame', { timeoutMs: 20_000 }).catch(() => {})
    assert.equal(reader.closeCode, 4008, `closed with ${String(reader.closeCode)} ${reader.closeReason}`)
  })
})
