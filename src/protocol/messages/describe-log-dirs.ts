/**
 * DescribeLogDirs (key 35, KIP-113), transcribed from Kafka 3.9's DescribeLogDirsRequest.json /
 * DescribeLogDirsResponse.json: v1 as v0 (throttling), v2 flexible, v3 a top-level errorCode,
 * v4 each dir's total and usable bytes.
 */
import { array, bool, int16, int32, int64, message, string, type Decoded, type Infer } from '../schema/index.js'

export const DescribeLogDirsRequest = message({
  name: 'DescribeLogDirsRequest', apiKey: 35, validVersions: '0-4', flexibleVersions: '2+',
  fields: {
    /** null: every partition on the broker. */
    topics: array('0+', {
      topic: string('0+'),
      partitions: array('0+', 'int32'),
    }, { nullableVersions: '0+' }),
  },
})

export const DescribeLogDirsResponse = message({
  name: 'DescribeLogDirsResponse', apiKey: 35, validVersions: '0-4', flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('3+'),
    results: array('0+', {
      errorCode: int16('0+'),
      logDir: string('0+'),
      topics: array('0+', {
        name: string('0+'),
        partitions: array('0+', {
          partitionIndex: int32('0+'),
          partitionSize: int64('0+'),
          offsetLag: int64('0+'),
          isFutureKey: bool('0+'),
        }),
      }),
      totalBytes: int64('4+', { default: -1 }),
      usableBytes: int64('4+', { default: -1 }),
    }),
  },
})

/** What a handler receives. */
export type DescribeLogDirsRequest = Decoded<typeof DescribeLogDirsRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type DescribeLogDirsResponse = Infer<typeof DescribeLogDirsResponse>
