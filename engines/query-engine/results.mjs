// Results of the JSON protocol, given back as the native GraphQL protocol gave them.
//
// The JSON protocol keys the result by the action (`{"data": {"findManyUser": ...}}`) and
// tags DateTime, Decimal, BigInt, Bytes and Json values as {"$type": ..., "value": ...}.
// The GraphQL protocol keyed it by the request's alias (`result`) and gave plain values:
// DateTime as an ISO string, BigInt as a string, Bytes as base64, Json as JSON text, and
// Decimal as a number. The client parses model fields with pydantic, so a Decimal field
// keeps its exact string (pydantic reads both, the string without float rounding); in
// group_by/aggregate results, which the client hands to the caller as they are, Decimal
// is a number as the native engine gave it.

const SUB_MILLISECONDS = /(\.\d{3})\d+/

// `untag` builds a new value (the engine's answer objects may share parts with a cached
// plan, never changed here) and gives what JSON text would have given for engine 7's
// answer objects (engine7.mjs `queryValue`): bigints as strings and byte arrays as base64
// (as the runtime's safeJsonStringify), other objects (a Date, a Decimal) by their toJSON.
function plain(value) {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
  if (typeof value === 'bigint') return value.toString()
  return JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : ArrayBuffer.isView(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : v)) ?? 'null')
}

function untag(value, decimalsAsNumbers) {
  if (value === null) return value
  if (typeof value !== 'object') return typeof value === 'bigint' ? value.toString() : value
  if (Array.isArray(value)) {
    const out = new Array(value.length)
    for (let i = 0; i < value.length; i++) out[i] = untag(value[i], decimalsAsNumbers)
    return out
  }
  const type = value.$type
  if (typeof type === 'string' && 'value' in value) {
    const inner = plain(value.value)
    if (type === 'Decimal' && decimalsAsNumbers) return Number(inner)
    // the native engine gives DateTime to the millisecond (as the client sends it), while
    // Prisma 7's interpreter passes on PostgreSQL's microseconds
    if (type === 'DateTime' && typeof inner === 'string') return inner.replace(SUB_MILLISECONDS, '$1')
    return inner
  }
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')
  if (typeof value.toJSON === 'function') return untag(value.toJSON(), decimalsAsNumbers)
  const out = {}
  for (const key in value) {
    const item = value[key]
    if (item !== undefined && typeof item !== 'function') out[key] = untag(item, decimalsAsNumbers)
  }
  return out
}

const AGGREGATES = new Set(['aggregate', 'groupBy'])

/**
 * One JSON-protocol answer (parsed) as the GraphQL protocol's answer to `alias`; errors
 * pass through unchanged.
 */
export function graphqlResult(response, alias, action) {
  if (response?.data === undefined || response.errors !== undefined) return response
  let value
  for (const key in response.data) {
    value = response.data[key]
    break
  }
  return { data: { [alias]: untag(value, AGGREGATES.has(action)) } }
}
