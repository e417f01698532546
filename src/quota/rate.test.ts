import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Rate, throttleTimeMs } from './rate.js'

test('Kafka\'s Rate: a young rate divides by samples - 1 windows, so a first burst is spread over them', () => {
  const rate = new Rate({ samples: 11, windowMs: 1000 })
  rate.record(10_000, 0)
  assert.equal(rate.windowSizeMs(0), 10_000)
  assert.equal(rate.measure(500), 10_000 / 10.5, '10 windows plus the half elapsed')
  assert.equal(throttleTimeMs(rate, 2000, 0), 0, 'within the bound')
  assert.equal(throttleTimeMs(rate, 500, 0), 10_000, '(1000 - 500) / 500 of the 10 s window')
})

test('windows older than samples * window stop counting; the current one advances once full', () => {
  const rate = new Rate({ samples: 3, windowMs: 1000 })
  for (let t = 0; t < 10_000; t += 100) rate.record(100, t) // 1000/s for 10 s
  assert.ok(Math.abs(rate.measure(10_000) - 1000) < 60, `about 1000/s, got ${rate.measure(10_000)}`)
  assert.equal(rate.isIdle(10_000), false)
  assert.equal(rate.measure(13_000), 0, 'nothing recorded for 3 windows')
  assert.equal(rate.isIdle(13_000), true)
})

test('Kafka\'s SimpleRate divides by the time since the oldest window, at least one window', () => {
  const rate = new Rate({ samples: 11, windowMs: 1000 }, 'simple')
  rate.record(500, 0)
  assert.equal(rate.measure(0), 500)
  assert.equal(rate.measure(2000), 250)
})

test('a client silent for each throttle time sends at the bound, after a first burst of samples - 1 windows', () => {
  const bound = 1_000_000
  const rate = new Rate({ samples: 3, windowMs: 1000 })
  let first = 0
  let later = 0
  for (let now = 0; now < 36_000;) {
    rate.record(16_000, now) // a producer that could send 8 MB/s
    if (now < 1000) first += 16_000
    else if (now >= 6000) later += 16_000
    now += Math.max(2, throttleTimeMs(rate, bound, now))
  }
  assert.ok(first >= 2 * bound, `the first second takes (samples - 1) windows of the bound at once: ${first} bytes`)
  assert.ok(Math.abs(later / 30 - bound) / bound < 0.03, `${later / 30}/s over 30 s against a bound of ${bound}/s`)
})
