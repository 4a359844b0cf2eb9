// From the client's GraphQL protocol to Prisma's JSON protocol, and results back.
//
// Requests: the root field names the action and the model (`findManyCoachUser`); arguments
// carry over as they are, except that values in Json positions are tagged
// ({"$type": "Json", "value": "<json text>"}), since the client sends Json as JSON text,
// which the JSON protocol would otherwise store as a JSON string; integers too large for a
// double are tagged BigInt. Selections become {"field": true} or {"arguments", "selection"}.
// Results: the JSON protocol tags DateTime, Decimal, BigInt, Bytes and Json values
// ({"$type", "value"}); the client reads them as the GraphQL protocol gave them, plain
// strings (Json as JSON text), so they are untagged, and the result is keyed `result`.

export class TranslationError extends Error {}

const ROOT_ACTIONS = [
  ['findUnique', 'OrThrow', 'findUniqueOrThrow'],
  ['findFirst', 'OrThrow', 'findFirstOrThrow'],
  ['findUnique', '', 'findUnique'],
  ['findFirst', '', 'findFirst'],
  ['findMany', '', 'findMany'],
  ['createOne', '', 'createOne'],
  ['createMany', '', 'createMany'],
  ['updateOne', '', 'updateOne'],
  ['updateMany', '', 'updateMany'],
  ['deleteOne', '', 'deleteOne'],
  ['deleteMany', '', 'deleteMany'],
  ['upsertOne', '', 'upsertOne'],
  ['aggregate', '', 'aggregate'],
  ['groupBy', '', 'groupBy'],
]
const RAW_ACTIONS = new Set(['queryRaw', 'executeRaw'])

/** `findUniqueCoachUserOrThrow` -> {action: 'findUniqueOrThrow', modelName: 'CoachUser'} */
export function splitRootField(name) {
  if (RAW_ACTIONS.has(name)) return { action: name, modelName: undefined }
  for (const [prefix, suffix, action] of ROOT_ACTIONS) {
    if (name.startsWith(prefix) && name.endsWith(suffix) && name.length > prefix.length + suffix.length) {
      return { action, modelName: name.slice(prefix.length, name.length - suffix.length) }
    }
  }
  throw new TranslationError(`unknown operation ${name}`)
}

function isJsonText(text) {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

function tagValue(value, types, index) {
  if (value === null || value === undefined) return value
  if (typeof value === 'bigint') return { $type: 'BigInt', value: value.toString() }
  if (Array.isArray(value)) {
    const elementTypes = types.filter((t) => t[2] === 1)
    return value.map((item) => tagValue(item, elementTypes.length > 0 ? elementTypes : types, index))
  }
  if (typeof value === 'object') {
    const candidates = types.filter((t) => t[1] === 'inputObjectTypes').map((t) => index.inputs[t[0]]).filter(Boolean)
    const keys = Object.keys(value)
    const fields = candidates.find((c) => keys.every((k) => k in c)) ?? candidates[0]
    if (fields === undefined) return value
    const out = {}
    for (const key of keys) out[key] = tagValue(value[key], fields[key] ?? [], index)
    return out
  }
  if (typeof value === 'string' && types.some((t) => t[0] === 'Json' && t[1] === 'scalar')) {
    const acceptsString = types.some((t) => t[0] === 'String' && t[1] === 'scalar')
    const enumValues = types.filter((t) => t[1] === 'enumTypes').flatMap((t) => index.enums[t[0]] ?? [])
    if (!acceptsString && !(enumValues.includes(value) && !isJsonText(value))) {
      return { $type: 'Json', value }
    }
  }
  return value
}

function translateSelection(selection) {
  const out = {}
  for (const [name, sub] of Object.entries(selection ?? {})) {
    out[name] = sub === true ? true : { arguments: sub.args, selection: translateSelection(sub.selection) }
  }
  return out
}

/** Translate a parsed request (see graphql.mjs) into a JSON-protocol query. */
export function translateRequest(request, index) {
  const { action, modelName } = splitRootField(request.name)
  const argTypes = index.roots[request.name]
  if (argTypes === undefined) throw new TranslationError(`unknown operation ${request.name}`)
  const args = {}
  for (const [key, value] of Object.entries(request.args)) {
    // Raw query parameters are JSON text the engine decodes itself: they stay a string.
    args[key] = RAW_ACTIONS.has(action) ? value : tagValue(value, argTypes[key] ?? [], index)
  }
  const query = { arguments: args, selection: translateSelection(request.selection) }
  return modelName === undefined ? { action, query } : { modelName, action, query }
}

function untag(value) {
  if (Array.isArray(value)) return value.map(untag)
  if (value !== null && typeof value === 'object') {
    if (typeof value.$type === 'string' && 'value' in value && Object.keys(value).length === 2) {
      return value.value
    }
    const out = {}
    for (const key of Object.keys(value)) out[key] = untag(value[key])
    return out
  }
  return value
}

/** A JSON-protocol response as the GraphQL protocol gave it, under `alias`. */
export function translateResponse(response, alias = 'result') {
  if (response.data === undefined || response.errors !== undefined) return response
  const [value] = Object.values(response.data)
  return { data: { [alias]: untag(value) } }
}
