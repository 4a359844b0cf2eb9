// From the client's GraphQL protocol to Prisma's JSON protocol (requests; results are in
// results.mjs).
//
//   mutation { result: createOneUser(data: {...}) { id posts(take: 1) { id } } }
//   -> {"modelName": "User", "action": "createOne",
//       "query": {"arguments": {"data": {...}},
//                 "selection": {"id": true, "posts": {"arguments": {"take": 1}, "selection": {"id": true}}}}}
//
// Arguments carry over as they are, except that values in Json positions are tagged
// ({"$type": "Json", "value": "<json text>"}): the client sends Json as JSON text, which
// the JSON protocol would otherwise store as a JSON string. Json positions are found with
// the schema index (schema-index.mjs), in root arguments and in the arguments of selected
// relations alike. Integers too large for a double arrive tagged BigInt (graphql.mjs). Raw query
// parameters stay the JSON text the engine decodes itself.

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

/** `findUniqueUserOrThrow` -> {action: 'findUniqueOrThrow', modelName: 'User'} */
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

// Per accepted-types list (stable arrays of the index): what a string there may be.
const stringRules = new WeakMap()

function stringRule(types, index) {
  let rule = stringRules.get(types)
  if (rule === undefined) {
    const json = types.some((t) => t[0] === 'Json' && t[1] === 'scalar')
    const string = types.some((t) => t[0] === 'String' && t[1] === 'scalar')
    const enumValues = types.filter((t) => t[1] === 'enumTypes').flatMap((t) => index.enums[t[0]] ?? [])
    rule = { tagJson: json && !string, enumValues }
    stringRules.set(types, rule)
  }
  return rule
}

const NO_TYPES = []

function tagValue(value, types, index) {
  if (value === null || value === undefined) return value
  if (typeof value === 'string') {
    const rule = stringRule(types, index)
    // an enum value (JsonNullValueInput's DbNull, ...) is itself unless it is JSON text
    if (rule.tagJson && !(rule.enumValues.includes(value) && !isJsonText(value))) return { $type: 'Json', value }
    return value
  }
  if (Array.isArray(value)) {
    const elementTypes = types.filter((t) => t[2] === 1)
    const itemTypes = elementTypes.length > 0 ? elementTypes : types
    return value.map((item) => tagValue(item, itemTypes, index))
  }
  if (typeof value === 'object') {
    if (value.$type !== undefined) return value // a BigInt the parser tagged
    // Of the input types accepted here (the index keeps only those that can hold Json), the
    // one naming most of the value's keys.
    let fields
    let best = 0
    const keys = Object.keys(value)
    for (const t of types) {
      if (t[1] !== 'inputObjectTypes') continue
      const candidate = index.inputs[t[0]]
      if (candidate === undefined) continue
      let matches = 0
      for (const k of keys) if (k in candidate) matches++
      if (fields === undefined || matches > best) {
        fields = candidate
        best = matches
      }
    }
    if (fields === undefined) return value
    const out = {}
    for (const key of keys) out[key] = tagValue(value[key], fields[key] ?? NO_TYPES, index)
    return out
  }
  return value
}

function tagArguments(args, argTypes, index) {
  const out = {}
  for (const key in args) out[key] = tagValue(args[key], argTypes?.[key]?.length ? argTypes[key] : NO_TYPES, index)
  return out
}

function translateSelection(selection, outputType, index) {
  const out = {}
  const fields = outputType === null ? undefined : index.outputs[outputType]
  for (const name in selection) {
    const sub = selection[name]
    if (sub === true) {
      out[name] = true
      continue
    }
    const field = fields?.[name]
    const nested = { selection: translateSelection(sub.selection, field?.type ?? null, index) }
    if (Object.keys(sub.args).length > 0) nested.arguments = tagArguments(sub.args, field?.args, index)
    out[name] = nested
  }
  return out
}

/** Translate a parsed request (see graphql.mjs) into a JSON-protocol query. */
export function translateRequest(request, index) {
  const { action, modelName } = splitRootField(request.name)
  const root = index.roots[request.name]
  if (root === undefined) throw new TranslationError(`unknown operation ${request.name}`)
  const args = RAW_ACTIONS.has(action) ? { ...request.args } : tagArguments(request.args, root.args, index)
  const query = { arguments: args, selection: translateSelection(request.selection ?? {}, root.type, index) }
  return modelName === undefined ? { action, query } : { modelName, action, query }
}
