/**
 * JSON Merge Patch (RFC 7396): how a dashboard watch sends what changed. The server diffs the
 * document it sent last against the one it renders now; the browser merges the patch into its
 * copy. Objects merge key by key and `null` removes a key, so documents keep collections as
 * objects keyed by id (brokers by id, partitions by index): a change to one entry is a small patch.
 * Arrays and other values are replaced whole. Documents never hold null values (absent instead),
 * since a null in a patch means "remove".
 */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

function isObject (v: Json | undefined): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** The patch that turns `from` into `to`, or undefined when they are equal. */
export function diff (from: Json | undefined, to: Json): Json | undefined {
  if (isObject(from) && isObject(to)) {
    const patch: JsonObject = {}
    let changed = false
    for (const key of Object.keys(from)) {
      if (!(key in to)) { patch[key] = null; changed = true }
    }
    for (const [key, value] of Object.entries(to)) {
      const d = diff(from[key], value)
      if (d !== undefined) { patch[key] = d; changed = true }
    }
    return changed ? patch : undefined
  }
  return equal(from, to) ? undefined : to
}

/** `target` with `patch` merged in (RFC 7396 MergePatch); `target` is not modified. */
export function apply (target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return patch
  const out: JsonObject = isObject(target) ? { ...target } : {}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key]
    else out[key] = apply(out[key], value)
  }
  return out
}

function equal (a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => equal(v, b[i]))
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a)
    return keys.length === Object.keys(b).length && keys.every(k => k in b && equal(a[k], b[k]))
  }
  return false
}
