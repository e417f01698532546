/**
 * A tiny TCP server speaking just enough Kafka for unit tests of the connection layer: it frames
 * requests, answers ApiVersions itself and hands every other request to the test's `onRequest`,
 * which may answer (now or later), stay silent, or write raw bytes.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { decode, encode } from '../../protocol/codec.js'
import { readRequestHeader, writeResponseHeader, responseHeaderVersion, type RequestHeader } from '../../protocol/header.js'
import { ApiVersionsResponse } from '../../protocol/messages/api-versions.js'
import { apiMessages } from '../../protocol/messages/index.js'
import { Reader } from '../../protocol/primitives/reader.js'
import { Writer } from '../../protocol/primitives/writer.js'
import type { Decoded, MessageDescriptor } from '../../protocol/schema/index.js'

export interface FakeRequest {
  header: RequestHeader
  socket: Socket
  /** Writes a response frame for this request with `value` encoded as `msg` at the request's version. */
  reply: (msg: MessageDescriptor, value: unknown, correlationId?: number) => void
  /** The request's body, decoded as `msg` at its version. */
  body: <M extends MessageDescriptor>(msg: M) => Decoded<M>
}

export class FakeBroker {
  readonly requests: FakeRequest[] = []
  private readonly sockets = new Set<Socket>()

  private constructor (private readonly server: Server, private readonly onRequest: (req: FakeRequest) => void) {}

  static async start (onRequest: (req: FakeRequest) => void = () => {}): Promise<FakeBroker> {
    let broker: FakeBroker | undefined
    const server = createServer(socket => broker!.accept(socket))
    broker = new FakeBroker(server, onRequest)
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    return broker
  }

  get port (): number { return (this.server.address() as AddressInfo).port }
  get bootstrap (): string { return `127.0.0.1:${this.port}` }

  async stop (): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise(resolve => this.server.close(resolve))
  }

  private accept (socket: Socket): void {
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
    socket.on('error', () => {})
    let pending = Buffer.alloc(0)
    socket.on('data', chunk => {
      pending = Buffer.concat([pending, chunk])
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = pending.subarray(4, 4 + pending.readInt32BE(0))
        pending = pending.subarray(4 + frame.length)
        const reader = new Reader(frame)
        const header = readRequestHeader(reader)
        const req: FakeRequest = {
          header,
          socket,
          body: msg => decode(msg, header.apiVersion, reader),
          reply: (msg, value, correlationId = header.correlationId) => {
            const w = new Writer().int32(0)
            writeResponseHeader(w, correlationId, responseHeaderVersion(msg.apiKey, header.apiVersion))
            encode(msg, header.apiVersion, value as never, w)
            socket.write(w.patchInt32(0, w.length - 4).toBuffer())
          },
        }
        if (header.apiKey === ApiVersionsResponse.apiKey) {
          req.reply(ApiVersionsResponse, {
            errorCode: 0,
            apiKeys: apiMessages.map(m => ({ apiKey: m.apiKey, minVersion: m.request.validVersions.min, maxVersion: m.request.validVersions.max })),
          })
          continue
        }
        this.requests.push(req)
        this.onRequest(req)
      }
    })
  }
}
