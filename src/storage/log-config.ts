/**
 * Topic-level log settings under Kafka's own names (the broker's `log.*` keys supply the defaults;
 * `/config/topics/<t>` overrides them per topic).
 */
export interface LogConfig {
  /** Roll when the active segment would grow past this. */
  'segment.bytes': number
  /** Roll when the active segment's first batch is older than this (log.roll.ms). */
  'segment.ms': number
  /** Maximum bytes of one segment's offset index (and time index) before a roll. */
  'segment.index.bytes': number
  /** Bytes appended between two sparse index entries. */
  'index.interval.bytes': number
  /** Delete non-active segments whose largest timestamp is older than this; -1 keeps them forever. */
  'retention.ms': number
  /** Delete oldest non-active segments while the partition exceeds this; -1 = no size limit. */
  'retention.bytes': number
  /** fsync after this many appended records (Kafka's default never does: replication is the durability). */
  'flush.messages': number
  /** fsync when the last flush is older than this (checked by LogManager's scheduler). */
  'flush.ms': number
  /** Largest batch a producer may send. */
  'max.message.bytes': number
  /** LogAppendTime: the broker stamps each batch with its own clock on append. */
  'message.timestamp.type': 'CreateTime' | 'LogAppendTime'
  /**
   * CreateTime only: how far before / after the broker's clock a produced timestamp may lie
   * (KIP-937; message.timestamp.difference.max.ms already folded in, see kafka-config.ts).
   */
  'message.timestamp.before.max.ms': number
  'message.timestamp.after.max.ms': number
  /** 'delete' enables retention by time and size; 'compact' the log cleaner (either, both). */
  'cleanup.policy': string[]
  /** Clean once the uncleaned share of the non-active segments' bytes reaches this. */
  'min.cleanable.dirty.ratio': number
  /** How long a tombstone (null value) survives cleaning, counted from its batch's max timestamp. */
  'delete.retention.ms': number
}

/** Kafka's defaults; Long.MAX_VALUE becomes Number.MAX_SAFE_INTEGER. */
export const defaultLogConfig: Readonly<LogConfig> = Object.freeze({
  'segment.bytes': 1_073_741_824,
  'segment.ms': 604_800_000,
  'segment.index.bytes': 10_485_760,
  'index.interval.bytes': 4096,
  'retention.ms': 604_800_000,
  'retention.bytes': -1,
  'flush.messages': Number.MAX_SAFE_INTEGER,
  'flush.ms': Number.MAX_SAFE_INTEGER,
  'max.message.bytes': 1_048_588,
  'message.timestamp.type': 'CreateTime',
  'message.timestamp.before.max.ms': Number.MAX_SAFE_INTEGER,
  'message.timestamp.after.max.ms': Number.MAX_SAFE_INTEGER,
  'cleanup.policy': ['delete'],
  'min.cleanable.dirty.ratio': 0.5,
  'delete.retention.ms': 86_400_000,
})
