// What the translator needs to know of the schema, from the DMMF of the 5.17 schema
// builder (@prisma/prisma-schema-wasm): where a Json value can stand. For every input type
// from which a Json value is reachable, the types its fields accept; for every output type
// whose selection can reach relation arguments holding Json, those fields. Everything else
// is left out, so the index stays small. Built in ~0.1-0.6 s, then cached on disk keyed by
// the schema's hash, so a warm start reads a small JSON file.
//
//   inputs[InputType][field]    -> [[typeName, location, isList], ...]   (Json-reaching only)
//   outputs[OutputType][field]  -> {args: {name: types}, type: OutputType | null}
//   roots[operation]            -> {args, type}: every operation of Query and Mutation
//   enums[EnumName]             -> [values]
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'

const require = createRequire(import.meta.url)
const FORMAT = 6 // bump when the index's shape or content changes

function compactTypes(inputTypes) {
  return inputTypes.map((t) => [t.type, t.location, t.isList ? 1 : 0])
}

const isJson = (t) => t[0] === 'Json' && t[1] === 'scalar'

/** Names of the types in `all` (name -> types per field) from which a Json value is reachable. */
function reachingJson(all, typesOf) {
  const reaching = new Set()
  let grew = true
  while (grew) {
    grew = false
    for (const [name, fields] of Object.entries(all)) {
      if (reaching.has(name)) continue
      if (Object.values(fields).some((field) => typesOf(field).some((t) => isJson(t) || reaching.has(t[0])))) {
        reaching.add(name)
        grew = true
      }
    }
  }
  return reaching
}

function buildIndex(datamodel) {
  const schemaWasm = require('@prisma/prisma-schema-wasm')
  const dmmf = JSON.parse(schemaWasm.get_dmmf(JSON.stringify({ prismaSchema: datamodel })))
  const allInputs = {}
  for (const type of [...(dmmf.schema.inputObjectTypes.prisma ?? []), ...(dmmf.schema.inputObjectTypes.model ?? [])]) {
    const fields = {}
    for (const field of type.fields) fields[field.name] = compactTypes(field.inputTypes)
    allInputs[type.name] = fields
  }
  // Only positions that can hold Json matter: the rest of the schema is left out, which
  // keeps the index small (most schemas have few Json fields).
  const jsonInputs = reachingJson(allInputs, (types) => types)
  const leadsToJson = (types) => types.some((t) => isJson(t) || jsonInputs.has(t[0]))
  const inputs = {}
  for (const name of jsonInputs) {
    const fields = {}
    for (const [field, types] of Object.entries(allInputs[name])) if (leadsToJson(types)) fields[field] = types
    inputs[name] = fields
  }
  const allOutputs = {}
  for (const type of [...dmmf.schema.outputObjectTypes.prisma, ...dmmf.schema.outputObjectTypes.model]) {
    const fields = {}
    for (const field of type.fields) {
      const args = {}
      for (const arg of field.args) if (leadsToJson(compactTypes(arg.inputTypes))) args[arg.name] = compactTypes(arg.inputTypes)
      fields[field.name] = { args, type: field.outputType.location === 'outputObjectTypes' ? field.outputType.type : null }
    }
    allOutputs[type.name] = fields
  }
  // an output field matters if its arguments can hold Json or its type has such fields
  const relevant = reachingJson(allOutputs, (field) => [
    ...(Object.keys(field.args).length > 0 ? [['Json', 'scalar']] : []),
    ...(field.type === null ? [] : [[field.type]]),
  ])
  const outputs = {}
  for (const name of relevant) {
    const fields = {}
    for (const [field, info] of Object.entries(allOutputs[name])) {
      if (Object.keys(info.args).length > 0 || relevant.has(info.type)) fields[field] = info
    }
    outputs[name] = fields
  }
  // every operation stays, so that an unknown one is told apart from one without Json
  const roots = {}
  for (const root of ['Query', 'Mutation']) {
    for (const [field, info] of Object.entries(allOutputs[root])) {
      roots[field] = { args: info.args, type: relevant.has(info.type) ? info.type : null }
    }
  }
  const enums = {}
  for (const e of [...(dmmf.schema.enumTypes.prisma ?? []), ...(dmmf.schema.enumTypes.model ?? [])]) enums[e.name] = e.values
  return { format: FORMAT, inputs, outputs, enums, roots }
}

/** @prisma/param-graph as Prisma 7's runtime (@prisma/client-engine-runtime) uses it. */
function paramGraphPackage() {
  return require(require.resolve('@prisma/param-graph', { paths: [path.dirname(require.resolve('@prisma/client-engine-runtime'))] }))
}

/**
 * The parameter graph (a `ParamGraph`) of Prisma 7's query plan cache (engine7.mjs) for
 * `datamodel`, built from the DMMF by @prisma/param-graph-builder, as Prisma 7's generator
 * embeds it in its client; cached on disk like the index. The cache holds the graph's data
 * already decoded (for `ParamGraph.fromData`): JSON text parses in ~14 ms where decoding
 * the builder's compact form took ~57 ms of every host's start-up.
 */
export function loadParamGraph(datamodel) {
  const { ParamGraph } = paramGraphPackage()
  return ParamGraph.fromData(cachedParamGraphData(datamodel).data, () => undefined)
}

function cachedParamGraphData(datamodel) {
  return cached(datamodel, 'param-graph', () => {
    // the DMMF of Prisma 7's schema engine: it marks which arguments a plan may take as
    // parameters (`isParameterizable`); the 5.17 DMMF has no such marks, and a graph built
    // from it parameterizes nothing (every distinct value would compile a plan of its own)
    const schemaWasm = require('@prisma/prisma-schema-wasm-7')
    // Prisma 7 keeps connection URLs out of the schema: the datasource's are dropped here
    const prismaSchema = datamodel.replace(/(datasource\s+\w+\s*\{)([^}]*)\}/g, (_, head, body) => `${head}${body.replace(/^\s*(url|directUrl|shadowDatabaseUrl)\s*=.*$/gm, '')}}`)
    const dmmf = JSON.parse(schemaWasm.get_dmmf(JSON.stringify({ prismaSchema })))
    // the builder reads the client's DMMF, whose mappings name single-record writes as
    // Prisma's generator does (`create`, not the engine's `createOne`)
    for (const mapping of dmmf.mappings.modelOperations) {
      for (const action of ['create', 'update', 'delete', 'upsert']) mapping[action] ??= mapping[`${action}One`]
    }
    const { buildAndSerializeParamGraph } = require('@prisma/param-graph-builder')
    return { format: FORMAT, data: paramGraphPackage().deserializeParamGraph(buildAndSerializeParamGraph(dmmf)) }
  })
}

/** The type index for `datamodel`, from the disk cache when the schema is unchanged. */
export function loadSchemaIndex(datamodel) {
  return cached(datamodel, 'schema-index', () => buildIndex(datamodel))
}

/** A cache folder only this OS user can use (else another user could plant an entry). */
function privateFolder(dir) {
  try {
    const stat = statSync(dir)
    return stat.isDirectory() && stat.uid === process.getuid() && (stat.mode & 0o077) === 0
  } catch {
    return false
  }
}

/**
 * DOMAINLAYER_ENGINE_CACHE, else the user's cache folder ($XDG_CACHE_HOME or ~/.cache)
 * /domainlayer/query-engine, made 0700: per user, never a shared name under /tmp.
 */
export function cacheFolder() {
  if (process.env.DOMAINLAYER_ENGINE_CACHE) return process.env.DOMAINLAYER_ENGINE_CACHE
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache')
  return path.join(base, 'domainlayer', 'query-engine')
}

function cached(datamodel, kind, build) {
  const hash = createHash('sha256').update(datamodel).digest('hex').slice(0, 24)
  const dir = cacheFolder()
  const file = path.join(dir, `${kind}-${FORMAT}-${hash}.json`)
  if (existsSync(file) && privateFolder(dir)) {
    try {
      const index = JSON.parse(readFileSync(file, 'utf8'))
      if (index.format === FORMAT) return index
    } catch {
      // a damaged cache entry is rebuilt below
    }
  }
  const index = build()
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    if (!privateFolder(dir)) return index
    const partial = `${file}.${process.pid}.tmp`
    writeFileSync(partial, JSON.stringify(index))
    renameSync(partial, file)
  } catch {
    // caching is an optimisation only
  }
  return index
}
