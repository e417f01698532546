import { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../../protocol/messages/incremental-alter-configs.js'
import { defineHandler } from '../api-handler.js'
import { alterRequestProblems, alterResource, refuseUnauthorized } from '../config-resources.js'
import { AclOperation } from '../../security/acl-binding.js'

const Op = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const

/** KIP-339: SET / DELETE one key, APPEND / SUBTRACT items of a list-valued key. */
export const handleIncrementalAlterConfigs = defineHandler(IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse, async (req, ctx) => {
  const refused = refuseUnauthorized(req.resources, alterRequestProblems(req.resources), AclOperation.ALTER_CONFIGS, ctx)
  return {
    throttleTimeMs: 0,
    responses: await Promise.all(req.resources.map(async r => {
      const outcome = refused.get(r) ?? await alterResource(ctx.broker, r.resourceType, r.resourceName, req.validateOnly, current => {
        const next = { ...current }
        for (const c of r.configs) {
          const items = (next[c.name] ?? '').split(',').filter(s => s !== '')
          const given = (c.value ?? '').split(',').filter(s => s !== '')
          if (c.configOperation === Op.SET) {
            if (c.value === null) return `Null value not supported for: ${c.name}`
            next[c.name] = c.value
          } else if (c.configOperation === Op.DELETE) delete next[c.name]
          else if (c.configOperation === Op.APPEND) {
            const have = new Set(items)
            next[c.name] = [...items, ...given.filter(g => !have.has(g))].join(',')
          } else if (c.configOperation === Op.SUBTRACT) {
            const drop = new Set(given)
            next[c.name] = items.filter(i => !drop.has(i)).join(',')
          } else return `Unknown config operation ${c.configOperation} for ${c.name}`
        }
        return next
      })
      return { ...outcome, resourceType: r.resourceType, resourceName: r.resourceName }
    })),
  }
})
