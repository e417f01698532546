/**
 * Message descriptors: a request or response of one API (`message`), or a versioned "data" struct
 * such as ConsumerProtocolSubscription or the __consumer_offsets key/value records (`data`), whose
 * int16 version prefix is written by the caller, not by the codec.
 */
import { parseVersionRange, type VersionRange } from './version-range.js'
import type { DecodedFields, FieldsDescriptor, InputFields } from './fields.js'

export interface MessageDescriptor<F extends FieldsDescriptor = FieldsDescriptor> {
  readonly name: string
  /** -1 for data structs. */
  readonly apiKey: number
  readonly validVersions: VersionRange
  readonly flexibleVersions: VersionRange
  readonly fields: F
}

interface MessageSpec<F extends FieldsDescriptor> {
  name: string
  validVersions: string
  flexibleVersions: string
  fields: F
}

export function message<F extends FieldsDescriptor> (spec: MessageSpec<F> & { apiKey: number }): MessageDescriptor<F> {
  return {
    name: spec.name,
    apiKey: spec.apiKey,
    validVersions: parseVersionRange(spec.validVersions),
    flexibleVersions: parseVersionRange(spec.flexibleVersions),
    fields: spec.fields,
  }
}

export function data<F extends FieldsDescriptor> (spec: MessageSpec<F>): MessageDescriptor<F> {
  return message({ ...spec, apiKey: -1 })
}

/** The value encode accepts; fields absent from some versions, tagged or defaulted may be left out. */
export type Infer<M> = M extends MessageDescriptor<infer F> ? InputFields<F> : never
/** The value decode returns: every field present, absent ones at their defaults. */
export type Decoded<M> = M extends MessageDescriptor<infer F> ? DecodedFields<F> : never
