import { DescribeConfigsRequest, DescribeConfigsResponse } from '../../protocol/messages/describe-configs.js'
import { defineHandler } from '../api-handler.js'
import { describeResource, refuseUnauthorized, repeatedResources } from '../config-resources.js'
import { AclOperation } from '../../security/acl-binding.js'

export const handleDescribeConfigs = defineHandler(DescribeConfigsRequest, DescribeConfigsResponse, async (req, ctx) => {
  const refused = refuseUnauthorized(req.resources, repeatedResources(req.resources), AclOperation.DESCRIBE_CONFIGS, ctx)
  return {
    throttleTimeMs: 0,
    results: await Promise.all(req.resources.map(async r => {
      const refusal = refused.get(r)
      const described = refusal !== undefined ? { ...refusal, configs: [] } : await describeResource(ctx.broker, r.resourceType, r.resourceName)
      const keys = r.configurationKeys === null ? null : new Set(r.configurationKeys)
      return {
        errorCode: described.errorCode,
        errorMessage: described.errorMessage,
        resourceType: r.resourceType,
        resourceName: r.resourceName,
        configs: described.configs.filter(c => keys === null || keys.has(c.name)).map(c => ({
          name: c.name,
          value: c.value,
          readOnly: c.readOnly,
          isDefault: c.source === 5,
          configSource: c.source,
          isSensitive: c.isSensitive,
          synonyms: req.includeSynonyms ? c.synonyms : [],
          configType: c.configType,
          documentation: null,
        })),
      }
    })),
  }
})
