/** The gateway's /api/v1 (docs/dashboard.md); the session cookie authenticates, errors carry Kafka's name. */
export class ApiError extends Error {
  constructor (readonly status: number, readonly name: string, message: string) { super(message) }
}

export async function api<T> (path: string, init: { method?: string, body?: object } = {}): Promise<T> {
  const response = await fetch(`/api/v1/${path}`, {
    method: init.method ?? 'GET',
    headers: init.body !== undefined ? { 'content-type': 'application/json' } : {},
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    credentials: 'same-origin',
  })
  const body = await response.json() as Record<string, unknown>
  if (!response.ok) throw new ApiError(response.status, String(body['name'] ?? response.status), String(body['message'] ?? response.statusText))
  return body as T
}

export interface ConfigEntry { name: string, value: string | null, readOnly: boolean, isSensitive: boolean, source: number, synonyms?: Array<{ name: string, value: string | null, source: number }> }

/** Kafka's ConfigSource ids, as kafka-configs --describe --all names them. */
export const CONFIG_SOURCES: Record<number, string> = {
  0: 'UNKNOWN', 1: 'DYNAMIC_TOPIC_CONFIG', 2: 'DYNAMIC_BROKER_CONFIG', 3: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  4: 'STATIC_BROKER_CONFIG', 5: 'DEFAULT_CONFIG', 6: 'DYNAMIC_BROKER_LOGGER_CONFIG',
}
