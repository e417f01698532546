/**
 * ControlledShutdown (key 7), from Kafka 3.9's ControlledShutdownRequest.json / Response.json: a
 * broker that is stopping asks the controller to move its leaderships away first.
 */
import { array, int16, int32, int64, message, string, type Decoded, type Infer } from '../schema/index.js'

export const ControlledShutdownRequest = message({
  name: 'ControlledShutdownRequest', apiKey: 7, validVersions: '0-3', flexibleVersions: '3+',
  fields: {
    brokerId: int32('0+'),
    brokerEpoch: int64('2+', { default: -1 }),
  },
})

export const ControlledShutdownResponse = message({
  name: 'ControlledShutdownResponse', apiKey: 7, validVersions: '0-3', flexibleVersions: '3+',
  fields: {
    errorCode: int16('0+'),
    remainingPartitions: array('0+', {
      topicName: string('0+'),
      partitionIndex: int32('0+'),
    }),
  },
})

export type ControlledShutdownRequest = Decoded<typeof ControlledShutdownRequest>
export type ControlledShutdownResponse = Infer<typeof ControlledShutdownResponse>
