// Prisma's official query engine, compiled to WebAssembly (the 5.17 build Prisma Client
// Python pins), running on PostgreSQL through @prisma/adapter-pg 5.17 and a pg pool.
//
// The package's own entry imports the .wasm file as an ES module, which Node does not do
// without a flag, so the module is compiled and instantiated here, as the Prisma CLI does
// for its own wasm engines.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import pg from 'pg'
import * as bindings from '@prisma/query-engine-wasm/postgresql/query_engine_bg.js'
import { clientRewritingResults, reportCatalogTypesAsText, TEXT_OID } from '../pg-types.mjs'

const require = createRequire(import.meta.url)
const { PrismaPg } = require('@prisma/adapter-pg-5')
const { bindAdapter } = require(
  require.resolve('@prisma/driver-adapter-utils', { paths: [path.dirname(require.resolve('@prisma/adapter-pg-5'))] }),
)

export const ENGINE_COMMIT = '393aa359c9ad4a4bb28630fb5613f9c281cde053'

// Raw queries may return catalog types (current_database() is a `name`); the native engine
// reads them as text, and so does this one ("char" included).
const CatalogTextClient = clientRewritingResults((result) =>
  reportCatalogTypesAsText(result, (field) => {
    field.dataTypeID = TEXT_OID
  }),
)

let instantiated = false

function instantiate() {
  if (instantiated) return
  const file = path.join(path.dirname(require.resolve('@prisma/query-engine-wasm/package.json')), 'postgresql', 'query_engine_bg.wasm')
  const module = new WebAssembly.Module(readFileSync(file))
  const instance = new WebAssembly.Instance(module, { './query_engine_bg.js': bindings })
  bindings.__wbg_set_wasm(instance.exports)
  instance.exports.__wbindgen_start?.()
  instantiated = true
}

/** Report the duration of every SQL statement the engine sends (metrics). */
function timed(queryable, onDriverQuery) {
  if (onDriverQuery === undefined) return queryable
  for (const method of ['queryRaw', 'executeRaw']) {
    const run = queryable[method].bind(queryable)
    queryable[method] = async (...args) => {
      const started = performance.now()
      try {
        return await run(...args)
      } finally {
        onDriverQuery(performance.now() - started)
      }
    }
  }
  if (typeof queryable.startTransaction === 'function') {
    const start = queryable.startTransaction.bind(queryable)
    queryable.startTransaction = async (...args) => {
      const result = await start(...args)
      if (result.ok) timed(result.value, onDriverQuery) // in place: result.map closes over it
      return result
    }
  }
  return queryable
}

/** Pool size as Prisma computes it: `connection_limit` in the URL, else 2 * CPUs + 1. */
export function poolOptions(url, cpus) {
  const parsed = new URL(url)
  const limit = Number(parsed.searchParams.get('connection_limit') ?? '') || cpus * 2 + 1
  for (const key of ['connection_limit', 'pool_timeout', 'schema', 'pgbouncer', 'statement_cache_size', 'socket_timeout', 'connect_timeout']) {
    parsed.searchParams.delete(key)
  }
  return { connectionString: parsed.toString(), max: limit, Client: CatalogTextClient }
}

/**
 * Create a connected engine for `datamodel` on `url`.
 * `onLog` receives the engine's log lines (JSON strings).
 */
export async function createEngine({ datamodel, url, cpus, logLevel = 'error', logQueries = false, onLog, onDriverQuery }) {
  instantiate()
  const pool = new pg.Pool(poolOptions(url, cpus))
  pool.on('error', () => {}) // an idle client's error is reported on its next use
  const adapter = bindAdapter(timed(new PrismaPg(pool), onDriverQuery))
  const engine = new bindings.QueryEngine({ datamodel, logLevel, logQueries }, (line) => onLog?.(line), adapter)
  await engine.connect('{}')
  return { engine, pool }
}
