/**
 * The Kafka error codes a partition log answers with, as values (partition-level outcomes are data).
 * The numbers are Kafka's; src/protocol/error-codes.ts holds the full table.
 */
import { BatchErrorCode } from '../protocol/records/record-batch.js'

export const LogErrorCode = {
  ...BatchErrorCode,
  OFFSET_OUT_OF_RANGE: 1,
  RECORD_LIST_TOO_LARGE: 18,
} as const
export type LogErrorCode = (typeof LogErrorCode)[keyof typeof LogErrorCode]
