import { CreateTopicsRequest, CreateTopicsResponse } from '../../protocol/messages/create-topics.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { ZERO_UUID } from '../../protocol/primitives/uuid.js'
import { AdminManager } from '../admin-manager.js'
import { defineHandler } from '../api-handler.js'
import { describeTopic } from '../config-resources.js'
import { AclOperation, CLUSTER_NAME, ResourceType } from '../../security/acl-binding.js'
import { partitionByAuthorized } from '../auth-helper.js'

/** v5+ answers each created topic with its configs, as DescribeConfigs would (Kafka's ZkAdminManager.createTopics). */
export const handleCreateTopics = defineHandler(CreateTopicsRequest, CreateTopicsResponse, async (req, ctx) => {
  const requested = req.topics.map(t => {
    const configs: Record<string, string> = {}
    for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value
    return {
      name: t.name,
      numPartitions: t.numPartitions,
      replicationFactor: t.replicationFactor,
      assignments: t.assignments,
      configs,
    }
  })
  // KafkaApis.handleCreateTopicsRequest: Create on the cluster, else on each topic
  const onCluster = ctx.authorize(AclOperation.CREATE, ResourceType.CLUSTER, CLUSTER_NAME, { logIfDenied: false })
  const [allowed, refused] = partitionByAuthorized(requested, t => onCluster || ctx.authorize(AclOperation.CREATE, ResourceType.TOPIC, t.name))
  const created = await AdminManager.of(ctx.broker).createTopics(allowed, req.timeoutMs, req.validateOnly)
  const outcomes = new Map([
    ...allowed.map((t, i) => [t, created[i]!] as const),
    ...refused.map(t => [t, { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null, topicId: undefined }] as const),
  ])
  const results = requested.map(t => outcomes.get(t)!)
  const v = ctx.broker.config.values
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t, i) => {
      const result = results[i]!
      const ok = result.errorCode === ErrorCode.NONE
      // the created topic's configs only for a principal that may describe them
      const configsVisible = ok && ctx.apiVersion >= 5 && ctx.authorize(AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, t.name, { logIfDenied: false })
      return {
        name: t.name,
        topicId: result.topicId ?? ZERO_UUID,
        errorCode: result.errorCode,
        errorMessage: result.errorMessage,
        numPartitions: ok ? (t.numPartitions === -1 ? v['num.partitions'] : t.numPartitions) : -1,
        replicationFactor: ok ? (t.replicationFactor === -1 ? v['default.replication.factor'] : t.replicationFactor) : -1,
        ...(ok && ctx.apiVersion >= 5 && !configsVisible ? { topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED } : {}),
        configs: configsVisible
          ? describeTopic(ctx.broker.config, requested[i]!.configs).map(c => ({ name: c.name, value: c.value, readOnly: c.readOnly, configSource: c.source, isSensitive: c.isSensitive }))
          : null,
      }
    }),
  }
})
