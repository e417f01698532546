/**
 * ElectLeaders (key 43), from Kafka 3.9's ElectLeadersRequest.json / Response.json: preferred (0)
 * or unclean (1) leader election for the named partitions, or all of them (null).
 */
import { array, int16, int32, int8, message, string, type Decoded, type Infer } from '../schema/index.js'

export const ElectLeadersRequest = message({
  name: 'ElectLeadersRequest', apiKey: 43, validVersions: '0-2', flexibleVersions: '2+',
  fields: {
    electionType: int8('1+', { default: 0 }),
    topicPartitions: array('0+', {
      topic: string('0+'),
      partitions: array('0+', 'int32'),
    }, { nullableVersions: '0+' }),
    timeoutMs: int32('0+', { default: 60000 }),
  },
})

export const ElectLeadersResponse = message({
  name: 'ElectLeadersResponse', apiKey: 43, validVersions: '0-2', flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32('0+'),
    errorCode: int16('1+', { default: 0 }),
    replicaElectionResults: array('0+', {
      topic: string('0+'),
      partitionResult: array('0+', {
        partitionId: int32('0+'),
        errorCode: int16('0+'),
        errorMessage: string('0+', { nullableVersions: '0+', default: null }),
      }),
    }),
  },
})

export type ElectLeadersRequest = Decoded<typeof ElectLeadersRequest>
export type ElectLeadersResponse = Infer<typeof ElectLeadersResponse>
