import { Kafka, logLevel, Partitioners, type Admin, type KafkaConfig, type Producer } from 'kafkajs'

/** A connected KafkaJS admin and producer (Kafka's default partitioner), disconnected when the test ends. */
export async function kafkajsClients (
  t: { after: (fn: () => Promise<void>) => void }, bootstrap: string, clientId: string, config: Partial<KafkaConfig> = {},
): Promise<{ admin: Admin, producer: Producer }> {
  const kafka = new Kafka({ clientId, brokers: bootstrap.split(','), logLevel: logLevel.NOTHING, ...config })
  const admin = kafka.admin()
  await admin.connect()
  t.after(async () => await admin.disconnect())
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  t.after(async () => await producer.disconnect())
  return { admin, producer }
}
