import { AlterConfigsRequest, AlterConfigsResponse } from '../../protocol/messages/alter-configs.js'
import { defineHandler } from '../api-handler.js'
import { alterRequestProblems, alterResource, refuseUnauthorized } from '../config-resources.js'
import { AclOperation } from '../../security/acl-binding.js'

/** The legacy API: the given configs replace all of the resource's overrides. */
export const handleAlterConfigs = defineHandler(AlterConfigsRequest, AlterConfigsResponse, async (req, ctx) => {
  const refused = refuseUnauthorized(req.resources, alterRequestProblems(req.resources), AclOperation.ALTER_CONFIGS, ctx)
  return {
    throttleTimeMs: 0,
    responses: await Promise.all(req.resources.map(async r => {
      const outcome = refused.get(r) ?? await alterResource(ctx.broker, r.resourceType, r.resourceName, req.validateOnly, () => {
        const next: Record<string, string> = {}
        for (const c of r.configs) if (c.value !== null) next[c.name] = c.value
        return next
      })
      return { ...outcome, resourceType: r.resourceType, resourceName: r.resourceName }
    })),
  }
})
