/**
 * Field builders: the vocabulary message files use to transcribe Kafka's JSON schemas as data.
 * Each builder returns a runtime descriptor plus phantom types, so `Infer<>` can derive the value
 * types handlers work with.
 *
 *   string('3+', { nullableVersions: '3+', default: null })   // a field present from v3, nullable
 *   array('0+', 'int32')                                      // []int32
 *   array('0+', { name: string('0+'), partitions: array('0+', 'int32') })   // []SomeStruct
 */
import { NO_VERSIONS, parseVersionRange, type VersionRange } from './version-range.js'

/** Kafka's scalar types (the protocol guide's Protocol Primitive Types). */
export interface ScalarTypes {
  bool: boolean
  int8: number
  int16: number
  uint16: number
  int32: number
  uint32: number
  int64: number
  /** An int64 kept exact, for values compared for equality that may exceed 2^53 (primitives/int64.ts). */
  bigint64: bigint
  float64: number
  string: string
  bytes: Buffer
  /** Record batches stay raw bytes: the codec never looks inside (STYLE: records fields stay Buffer). */
  records: Buffer
  /** Text form, see primitives/uuid.ts. */
  uuid: string
}
export type ScalarKind = keyof ScalarTypes

export interface FieldOptions {
  nullableVersions?: string
  taggedVersions?: string
  tag?: number
  default?: unknown
}

/** The runtime half of a field. */
export interface FieldDescriptor {
  readonly kind: ScalarKind | 'array' | 'struct'
  readonly versions: VersionRange
  readonly nullableVersions: VersionRange
  readonly taggedVersions: VersionRange
  readonly tag: number
  /** undefined = the type's zero value (0, '', false, [], zero uuid, or null where nullable). */
  readonly default: unknown
  /** Arrays: the element type. */
  readonly element?: ScalarKind | FieldsDescriptor
  /** Structs: the nested fields. */
  readonly fields?: FieldsDescriptor
}

/**
 * D = decoded value type, I = the type accepted by encode, O = whether encode may omit it.
 */
export interface Field<D, I = D, O extends boolean = boolean> {
  readonly descriptor: FieldDescriptor
  readonly _types?: { decoded: D, input: I, optional: O }
}

export type FieldsDescriptor = Readonly<Record<string, Field<unknown, unknown, boolean>>>

/** All fields present: what decode returns (absent fields take their defaults). */
export type DecodedFields<F extends FieldsDescriptor> = {
  -readonly [K in keyof F]: F[K] extends Field<infer D, unknown, boolean> ? D : never
}

type OptionalKeys<F> = { [K in keyof F]: F[K] extends Field<unknown, unknown, true> ? K : never }[keyof F]
type RequiredKeys<F> = Exclude<keyof F, OptionalKeys<F>>
type InputOf<T> = T extends Field<unknown, infer I, boolean> ? I : never

/** What encode accepts: fields that are not in every version, are tagged or have defaults may be left out. */
export type InputFields<F extends FieldsDescriptor> =
  { [K in RequiredKeys<F>]: InputOf<F[K]> } & { [K in OptionalKeys<F>]?: InputOf<F[K]> }

type Nullable<T, O> = O extends { nullableVersions: string } ? T | null : T
type Optional<V extends string, O> =
  V extends '0+' ? (O extends { default: unknown } | { tag: number } ? true : false) : true

type ElementDecoded<E> = E extends ScalarKind ? ScalarTypes[E] : E extends FieldsDescriptor ? DecodedFields<E> : never
type ElementInput<E> = E extends ScalarKind ? ScalarTypes[E] : E extends FieldsDescriptor ? InputFields<E> : never

type ScalarBuilder<K extends ScalarKind> =
  <V extends string, O extends FieldOptions = {}>(versions: V, options?: O) =>
  Field<Nullable<ScalarTypes[K], O>, Nullable<ScalarTypes[K], O>, Optional<V, O>>

export const bool = scalar('bool')
export const int8 = scalar('int8')
export const int16 = scalar('int16')
export const uint16 = scalar('uint16')
export const int32 = scalar('int32')
export const uint32 = scalar('uint32')
export const int64 = scalar('int64')
export const bigint64 = scalar('bigint64')
export const float64 = scalar('float64')
export const string = scalar('string')
export const bytes = scalar('bytes')
export const records = scalar('records')
export const uuid = scalar('uuid')

export function array<V extends string, E extends ScalarKind | FieldsDescriptor, O extends FieldOptions = {}> (
  versions: V, element: E, options?: O,
): Field<Nullable<Array<ElementDecoded<E>>, O>, Nullable<Array<ElementInput<E>>, O>, Optional<V, O>> {
  return { descriptor: { ...common(versions, options), kind: 'array', element } }
}

export function struct<V extends string, F extends FieldsDescriptor, O extends FieldOptions = {}> (
  versions: V, fields: F, options?: O,
): Field<Nullable<DecodedFields<F>, O>, Nullable<InputFields<F>, O>, Optional<V, O>> {
  return { descriptor: { ...common(versions, options), kind: 'struct', fields } }
}

function scalar<K extends ScalarKind> (kind: K): ScalarBuilder<K> {
  return (versions, options) => ({ descriptor: { ...common(versions, options), kind } })
}

function common (versions: string, options: FieldOptions | undefined): Omit<FieldDescriptor, 'kind'> {
  const tagged = options?.taggedVersions === undefined ? NO_VERSIONS : parseVersionRange(options.taggedVersions)
  if (tagged !== NO_VERSIONS && options?.tag === undefined) throw new Error('a tagged field needs a tag')
  return {
    versions: parseVersionRange(versions),
    nullableVersions: options?.nullableVersions === undefined ? NO_VERSIONS : parseVersionRange(options.nullableVersions),
    taggedVersions: tagged,
    tag: options?.tag ?? -1,
    default: options?.default,
  }
}
