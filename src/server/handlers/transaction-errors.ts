import { ErrorCode } from '../../protocol/error-codes.js'

/**
 * KIP-588: PRODUCER_FENCED (90) is answered only from the version that introduced it; older
 * versions get INVALID_PRODUCER_EPOCH (47), as Kafka's KafkaApis maps it per API.
 */
export function fencedForVersion (errorCode: number, apiVersion: number, firstVersionWithFenced: number): number {
  return errorCode === ErrorCode.PRODUCER_FENCED && apiVersion < firstVersionWithFenced ? ErrorCode.INVALID_PRODUCER_EPOCH : errorCode
}
