import { ApiVersionsRequest, ApiVersionsResponse } from '../../protocol/messages/api-versions.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { defineHandler } from '../api-handler.js'

// Kafka's pattern for client software names and versions (KIP-511).
const SOFTWARE = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/

/** The ranges come from the registered handlers, so what is advertised is what is served. */
export const handleApiVersions = defineHandler(ApiVersionsRequest, ApiVersionsResponse, (req, ctx) => {
  const apiKeys = ctx.broker.supportedVersions()
  if (ctx.apiVersion >= 3 && (!SOFTWARE.test(req.clientSoftwareName) || !SOFTWARE.test(req.clientSoftwareVersion))) {
    return { errorCode: ErrorCode.INVALID_REQUEST, apiKeys, throttleTimeMs: 0 }
  }
  return { errorCode: ErrorCode.NONE, apiKeys, throttleTimeMs: 0 }
})
