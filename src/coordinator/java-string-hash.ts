/**
 * Java's String.hashCode() (over UTF-16 code units, 32-bit signed wrap-around) and Kafka's
 * Utils.abs, so group → partition matches a Java broker's and every client agrees (GroupMetadataManager.partitionFor).
 */
export function javaStringHashCode (s: string): number {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0
  return h
}

/** Kafka's Utils.abs: Integer.MIN_VALUE has no positive counterpart and maps to 0. */
export function kafkaAbs (n: number): number {
  return n === -2147483648 ? 0 : Math.abs(n)
}
