export {
  array, bigint64, bool, bytes, float64, int16, int32, int64, int8, records, string, struct, uint16, uint32, uuid,
  type DecodedFields, type Field, type FieldDescriptor, type FieldOptions, type FieldsDescriptor,
  type InputFields, type ScalarKind, type ScalarTypes,
} from './fields.js'
export { data, message, type Decoded, type Infer, type MessageDescriptor } from './message.js'
export { inRange, NO_VERSIONS, parseVersionRange, type VersionRange } from './version-range.js'
