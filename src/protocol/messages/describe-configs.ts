/**
 * DescribeConfigs (key 32), transcribed from Kafka 3.9's DescribeConfigsRequest.json / DescribeConfigsResponse.json.
 */
import { array, bool, int16, int32, int8, message, string, type Decoded, type Infer } from '../schema/index.js'

export const DescribeConfigsRequest = message({
  name: 'DescribeConfigsRequest', apiKey: 32, validVersions: '0-4', flexibleVersions: '4+',
  fields: {
    resources: array('0+', {
      resourceType: int8('0+'),
      resourceName: string('0+'),
      configurationKeys: array('0+', 'string', { nullableVersions: '0+' }),
    }),
    includeSynonyms: bool('1+', { default: false }),
    includeDocumentation: bool('3+', { default: false }),
  },
})

export const DescribeConfigsResponse = message({
  name: 'DescribeConfigsResponse', apiKey: 32, validVersions: '0-4', flexibleVersions: '4+',
  fields: {
    throttleTimeMs: int32('0+'),
    results: array('0+', {
      errorCode: int16('0+'),
      errorMessage: string('0+', { nullableVersions: '0+' }),
      resourceType: int8('0+'),
      resourceName: string('0+'),
      configs: array('0+', {
        name: string('0+'),
        value: string('0+', { nullableVersions: '0+' }),
        readOnly: bool('0+'),
        isDefault: bool('0'),
        configSource: int8('1+', { default: -1 }),
        isSensitive: bool('0+'),
        synonyms: array('1+', {
          name: string('1+'),
          value: string('1+', { nullableVersions: '0+' }),
          source: int8('1+'),
        }),
        configType: int8('3+', { default: 0 }),
        documentation: string('3+', { nullableVersions: '0+' }),
      }),
    }),
  },
})

/** What a handler receives. */
export type DescribeConfigsRequest = Decoded<typeof DescribeConfigsRequest>
/** What a handler answers with; fields absent from some versions or with defaults may be left out. */
export type DescribeConfigsResponse = Infer<typeof DescribeConfigsResponse>
