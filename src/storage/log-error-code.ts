/**
 * The error codes a partition log answers with, as values (partition-level outcomes are data):
 * batch validation's plus the log's own and the producer state's, all from src/protocol/error-codes.ts.
 */
import { ErrorCode } from '../protocol/error-codes.js'
import { BatchErrorCode } from '../protocol/records/record-batch.js'

export const LogErrorCode = {
  ...BatchErrorCode,
  OFFSET_OUT_OF_RANGE: ErrorCode.OFFSET_OUT_OF_RANGE,
  RECORD_LIST_TOO_LARGE: ErrorCode.RECORD_LIST_TOO_LARGE,
  OUT_OF_ORDER_SEQUENCE_NUMBER: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
  INVALID_PRODUCER_EPOCH: ErrorCode.INVALID_PRODUCER_EPOCH,
  INVALID_TXN_STATE: ErrorCode.INVALID_TXN_STATE,
  TRANSACTION_COORDINATOR_FENCED: ErrorCode.TRANSACTION_COORDINATOR_FENCED,
} as const
export type LogErrorCode = (typeof LogErrorCode)[keyof typeof LogErrorCode]
