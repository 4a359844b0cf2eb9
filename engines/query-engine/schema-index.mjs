// What the translator needs to know of the schema: for every input field and root argument,
// which input types it accepts. Built from the DMMF of the 5.17 schema builder
// (@prisma/prisma-schema-wasm, ~0.3 s and 5 MB for this schema), then cached on disk keyed
// by the schema's hash, so a warm start reads a small JSON file instead.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'

const require = createRequire(import.meta.url)

function compactTypes(inputTypes) {
  return inputTypes.map((t) => [t.type, t.location, t.isList ? 1 : 0])
}

function buildIndex(datamodel) {
  const schemaWasm = require('@prisma/prisma-schema-wasm')
  const dmmf = JSON.parse(schemaWasm.get_dmmf(JSON.stringify({ prismaSchema: datamodel })))
  const inputs = {}
  for (const type of dmmf.schema.inputObjectTypes.prisma ?? []) {
    const fields = {}
    for (const field of type.fields) fields[field.name] = compactTypes(field.inputTypes)
    inputs[type.name] = fields
  }
  const roots = {}
  for (const type of dmmf.schema.outputObjectTypes.prisma) {
    if (type.name !== 'Query' && type.name !== 'Mutation') continue
    for (const field of type.fields) {
      const args = {}
      for (const arg of field.args) args[arg.name] = compactTypes(arg.inputTypes)
      roots[field.name] = args
    }
  }
  const enums = {}
  for (const e of dmmf.schema.enumTypes.prisma ?? []) enums[e.name] = e.values
  for (const e of dmmf.schema.enumTypes.model ?? []) enums[e.name] = e.values
  return { inputs, roots, enums }
}

/** The type index for `datamodel`, from the disk cache when the schema is unchanged. */
export function loadSchemaIndex(datamodel) {
  const hash = createHash('sha256').update(datamodel).digest('hex').slice(0, 24)
  const dir = process.env.DOMAINLAYER_ENGINE_CACHE || path.join(os.tmpdir(), 'domainlayer-query-engine')
  const file = path.join(dir, `schema-index-${hash}.json`)
  if (existsSync(file)) {
    try {
      return JSON.parse(readFileSync(file, 'utf8'))
    } catch {
      // a damaged cache entry is rebuilt below
    }
  }
  const index = buildIndex(datamodel)
  try {
    mkdirSync(dir, { recursive: true })
    const partial = `${file}.${process.pid}.tmp`
    writeFileSync(partial, JSON.stringify(index))
    renameSync(partial, file)
  } catch {
    // caching is an optimisation only
  }
  return index
}
