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

function untag(value, decimalsAsNumbers) {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) {
    const out = new Array(value.length)
    for (let i = 0; i < value.length; i++) out[i] = untag(value[i], decimalsAsNumbers)
    return out
  }
  const type = value.$type
  if (typeof type === 'string' && 'value' in value) {
    if (type === 'Decimal' && decimalsAsNumbers) return Number(value.value)
    // the native engine gives DateTime to the millisecond (as the client sends it), while
    // Prisma 7's interpreter passes on PostgreSQL's microseconds
    if (type === 'DateTime' && typeof value.value === 'string') return value.value.replace(SUB_MILLISECONDS, '$1')
    return value.value
  }
  for (const key in value) value[key] = untag(value[key], decimalsAsNumbers)
  return value
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
