/**
 * DescribeClientQuotas (key 48), transcribed from Kafka 3.9's DescribeClientQuotasRequest.json / DescribeClientQuotasResponse.json.
 */
import { array, bool, float64, int16, int32, int8, message, string, type Decoded, type Infer } from '../schema/index.js'

export const DescribeClientQuotasRequest = message({
  name: 'DescribeClientQuotasRequest', apiKey: 48, validVersions: '0-1', flexibleVersions: '1+',
  fields: {
    components: array('0+', {
      entityType: string('0+'),
      matchType: int8('0+'),
      match: string('0+', { nullableVersions: '0+' }),
    }),
    strict: bool('0+'),
  },
})

export const DescribeClientQuotasResponse = message({
  name: 'DescribeClientQuotasResponse', apiKey: 48, validVersions: '0-1', flexibleVersions: '1+',
  fields: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('0+'),
    errorMessage: string('0+', { nullableVersions: '0+' }),
    entries: array('0+', {
      entity: array('0+', {
        entityType: string('0+'),
        entityName: string('0+', { nullableVersions: '0+' }),
      }),
      values: array('0+', {
        key: string('0+'),
        value: float64('0+'),
      }),
    }, { nullableVersions: '0+' }),
  },
})

/** What a handler receives. */
export type DescribeClientQuotasRequest = Decoded<typeof DescribeClientQuotasRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type DescribeClientQuotasResponse = Infer<typeof DescribeClientQuotasResponse>
