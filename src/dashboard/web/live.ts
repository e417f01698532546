/**
 * The page's one WebSocket to the gateway (subprotocol kafka.v1, authenticated by the session
 * cookie), carrying `watch` ops (docs/dashboard.md): each watch gets a snapshot, then merge
 * patches. When the socket drops, every watch is marked stale (the banner says since when) and
 * the socket reconnects with exponential backoff; on reconnect each watch is sent again and its
 * fresh snapshot replaces the stale document. Nothing polls on a timer.
 */
import { useEffect, useState } from 'preact/hooks'
import { apply, type Json, type JsonObject } from '../merge-patch.js'

export type WatchTarget =
  | { on: 'cluster' }
  | { on: 'topic', topic: string }
  | { on: 'topics', search: string, sort: string, offset: number, limit: number }
  | { on: 'groups', search: string, offset: number, limit: number }
  | { on: 'group', group: string }
  | { on: 'timeline' }

export interface Series { startMs: number, stepMs: number, messagesIn: Array<number | null>, bytesIn: Array<number | null>, bytesOut: Array<number | null> }
/** A topic watch's series: one array of messages in per second per partition, keyed by its index. */
export type PartitionSeries = { startMs: number, stepMs: number } & Partial<Record<string, unknown>>

export interface WatchState {
  doc?: JsonObject
  /** The cluster's rates (a cluster watch) or a PartitionSeries (a topic watch). */
  series?: Series
  error?: string
}

export interface ConnectionState {
  status: 'connecting' | 'open' | 'closed'
  /** When the socket last closed (ms), while it is not open. */
  lostAtMs?: number
  /** When the next attempt is due, while closed. */
  retryAtMs?: number
}

const SERIES_POINTS = 300
const BACKOFF_MIN_MS = 500
const BACKOFF_MAX_MS = 10_000

interface Watch { target: WatchTarget, state: WatchState, listeners: Set<(s: WatchState) => void> }

/** Frames of the gateway's other ops (produce acks, a subscription's records), by request id or sub. */
type FrameListener = (frame: Record<string, Json>) => void

class LiveSocket {
  private ws?: WebSocket
  private readonly watches = new Map<string, Watch>()
  private readonly byId = new Map<string, FrameListener>()
  private readonly subscriptions = new Map<string, { frame: object, listener: FrameListener }>()
  private readonly connectionListeners = new Set<(s: ConnectionState) => void>()
  private nextId = 1
  private failures = 0
  connection: ConnectionState = { status: 'connecting' }

  constructor () { this.connect() }

  watch (target: WatchTarget, listener: (s: WatchState) => void): () => void {
    const id = `w${this.nextId++}`
    const w: Watch = { target, state: {}, listeners: new Set([listener]) }
    this.watches.set(id, w)
    this.sendWatch(id, w)
    return () => {
      this.watches.delete(id)
      if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ op: 'unwatch', watch: id }))
    }
  }

  /** Sends a request with a fresh `id` and resolves with the frame answering it (ack, acks or error). */
  async request (frame: Record<string, unknown>): Promise<Record<string, Json>> {
    if (this.ws?.readyState !== WebSocket.OPEN) throw new Error('not connected to the gateway')
    const id = `r${this.nextId++}`
    return await new Promise(resolve => {
      this.byId.set(id, f => { this.byId.delete(id); resolve(f) })
      this.ws!.send(JSON.stringify({ ...frame, id }))
    })
  }

  /**
   * A gateway subscription (op subscribe); its frames go to `listener`. It is sent again after a
   * reconnect (from `latest`: a tail shows what comes, and says it was interrupted).
   */
  subscribe (frame: Record<string, unknown>, listener: FrameListener): () => void {
    const sub = `s${this.nextId++}`
    const full = { ...frame, op: 'subscribe', sub }
    this.subscriptions.set(sub, { frame: full, listener })
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(full))
    return () => {
      this.subscriptions.delete(sub)
      if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ op: 'unsubscribe', sub }))
    }
  }

  /** Sends a frame that needs no answer (credit). */
  send (frame: object): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame))
  }

  onConnection (listener: (s: ConnectionState) => void): () => void {
    this.connectionListeners.add(listener)
    return () => this.connectionListeners.delete(listener)
  }

  private sendWatch (id: string, w: Watch): void {
    if (this.ws?.readyState !== WebSocket.OPEN) return
    this.ws.send(JSON.stringify({ ...w.target, op: 'watch', watch: id }))
  }

  private connect (): void {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`
    const ws = new WebSocket(url, ['kafka.v1'])
    this.ws = ws
    this.setConnection({ ...this.connection, status: 'connecting' })
    ws.onopen = () => {
      this.failures = 0
      this.setConnection({ status: 'open' })
      for (const [id, w] of this.watches) this.sendWatch(id, w)
      for (const { frame } of this.subscriptions.values()) ws.send(JSON.stringify(frame))
    }
    ws.onmessage = (event: MessageEvent<string>) => this.onFrame(JSON.parse(event.data) as Record<string, Json>)
    ws.onclose = () => {
      for (const answer of [...this.byId.values()]) answer({ op: 'error', name: 'NETWORK_EXCEPTION', message: 'the connection to the gateway was lost before the answer came' })
      this.failures++
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (this.failures - 1)) * (0.75 + Math.random() / 2)
      this.setConnection({ status: 'closed', lostAtMs: this.connection.lostAtMs ?? Date.now(), retryAtMs: Date.now() + delay })
      setTimeout(() => this.connect(), delay)
    }
  }

  private onFrame (f: Record<string, Json>): void {
    if (typeof f['id'] === 'string' && this.byId.has(f['id'])) return this.byId.get(f['id'])!(f)
    if (typeof f['sub'] === 'string') return this.subscriptions.get(f['sub'])?.listener(f)
    const w = typeof f['watch'] === 'string' ? this.watches.get(f['watch']) : undefined
    if (w === undefined) return
    switch (f['op']) {
      case 'snapshot':
        this.update(w, { doc: f['data'] as JsonObject, series: f['series'] as Series | undefined })
        break
      case 'patch':
        if (w.state.doc !== undefined) this.update(w, { ...w.state, doc: apply(w.state.doc, f['patch']!) as JsonObject })
        break
      case 'sample':
        if (w.state.series !== undefined) this.update(w, { ...w.state, series: appendSample(w.state.series, f['t'] as number, f['values'] as Record<string, number>) })
        break
      case 'error':
        this.update(w, { ...w.state, error: String(f['message']) })
        break
    }
  }

  private update (w: Watch, state: WatchState): void {
    w.state = state
    for (const l of w.listeners) l(state)
  }

  private setConnection (s: ConnectionState): void {
    this.connection = s
    for (const l of this.connectionListeners) l(s)
  }
}

/**
 * Appends one point per second to every array of a series (the cluster's rates, a topic's
 * partitions; a name first seen starts as gaps), filling skipped seconds with gaps and keeping the
 * length the snapshot gave.
 */
function appendSample<S extends { startMs: number, stepMs: number }> (s: S, t: number, values: Record<string, number>): S {
  const series = s as unknown as Record<string, unknown>
  const names = Object.keys(series).filter(k => Array.isArray(series[k]))
  const length = names.length > 0 ? (series[names[0]!] as unknown[]).length : SERIES_POINTS
  const slot = Math.floor(t / s.stepMs)
  const last = Math.floor(s.startMs / s.stepMs) + length - 1
  if (slot <= last) return s
  const out: Record<string, unknown> = { startMs: (slot - length + 1) * s.stepMs, stepMs: s.stepMs }
  for (const name of new Set([...names, ...Object.keys(values)])) {
    const before = (series[name] as Array<number | null> | undefined) ?? new Array<number | null>(length).fill(null)
    out[name] = before.concat(new Array<number | null>(slot - last - 1).fill(null), [values[name] ?? null]).slice(-length)
  }
  return out as S
}

export const live = new LiveSocket()

/** The document of a watch, live; `key` names the target so a new target starts a new watch. */
export function useWatch (target: WatchTarget | undefined): WatchState {
  const [state, setState] = useState<WatchState>({})
  const key = JSON.stringify(target ?? null)
  useEffect(() => {
    if (target === undefined) return
    setState(s => ({ series: s.series }))
    return live.watch(target, setState)
  }, [key])
  return state
}

export function useConnection (): ConnectionState {
  const [state, setState] = useState(live.connection)
  useEffect(() => {
    // the socket may have opened between the first render and this effect
    setState(live.connection)
    return live.onConnection(setState)
  }, [])
  return state
}
