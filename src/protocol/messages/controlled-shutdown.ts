/**
 * ControlledShutdown (key 7), from Kafka 3.9's ControlledShutdownRequest.json / Response.json: a
 * broker that is stopping asks the controller to move its leaderships away first.
 */
import { array, bigint64, int16, int32, message, string, type Decoded, type Infer } from '../schema/index.js'

export const ControlledShutdownRequest = message({
  name: 'ControlledShutdownRequest', apiKey: 7, validVersions: '0-3', flexibleVersions: '3+',
  fields: {
    brokerId: int32('0+'),
    // The broker's znode czxid (KIP-380): exact, since it is compared for equality.
    brokerEpoch: bigint64('2+', { default: -1n }),
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
