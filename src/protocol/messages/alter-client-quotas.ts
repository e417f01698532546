/**
 * AlterClientQuotas (key 49), transcribed from Kafka 3.9's AlterClientQuotasRequest.json / AlterClientQuotasResponse.json.
 */
import { array, bool, float64, int16, int32, message, string, type Decoded, type Infer } from '../schema/index.js'

export const AlterClientQuotasRequest = message({
  name: 'AlterClientQuotasRequest', apiKey: 49, validVersions: '0-1', flexibleVersions: '1+',
  fields: {
    entries: array('0+', {
      entity: array('0+', {
        entityType: string('0+'),
        entityName: string('0+', { nullableVersions: '0+' }),
      }),
      ops: array('0+', {
        key: string('0+'),
        value: float64('0+'),
        remove: bool('0+'),
      }),
    }),
    validateOnly: bool('0+'),
  },
})

export const AlterClientQuotasResponse = message({
  name: 'AlterClientQuotasResponse', apiKey: 49, validVersions: '0-1', flexibleVersions: '1+',
  fields: {
    throttleTimeMs: int32('0+'),
    entries: array('0+', {
      errorCode: int16('0+'),
      errorMessage: string('0+', { nullableVersions: '0+' }),
      entity: array('0+', {
        entityType: string('0+'),
        entityName: string('0+', { nullableVersions: '0+' }),
      }),
    }),
  },
})

/** What a handler receives. */
export type AlterClientQuotasRequest = Decoded<typeof AlterClientQuotasRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type AlterClientQuotasResponse = Infer<typeof AlterClientQuotasResponse>
