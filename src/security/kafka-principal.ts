/**
 * Who a connection acts as (Kafka's KafkaPrincipal): "User:<name>", User:ANONYMOUS on a
 * PLAINTEXT listener or an SSL one without a client certificate. An authorizer decides on it.
 */
export interface KafkaPrincipal {
  readonly principalType: 'User'
  readonly name: string
}

export const ANONYMOUS: KafkaPrincipal = Object.freeze({ principalType: 'User', name: 'ANONYMOUS' })

export function userPrincipal (name: string): KafkaPrincipal {
  return { principalType: 'User', name }
}

/** Kafka's KafkaPrincipal.toString, the form ACLs and super.users name principals in. */
export function principalString (p: KafkaPrincipal): string {
  return `${p.principalType}:${p.name}`
}
