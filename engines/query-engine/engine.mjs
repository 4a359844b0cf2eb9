// Prisma's official query engine, compiled to WebAssembly (the 5.17 build Prisma Client
// Python pins), running on PostgreSQL through @prisma/adapter-pg 5.17 and a pg pool.
//
// The package's own entry imports the .wasm file as an ES module, which Node does not do
// without a flag, so the module is compiled once here and instantiated as the Prisma CLI
// does for its own wasm engines. A panic inside the engine poisons its wasm instance (and
// surfaces as an uncaught RuntimeError); `EngineHost` then fails the requests in flight
// and starts a fresh instance on a fresh pool, so the host keeps serving. Each instance
// gets its own copy of the JS bindings (a distinct module URL), since the bindings keep
// the instance in module state.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import v8 from 'node:v8'
import pg from 'pg'
import { clientRewritingResults, reportCatalogTypesAsText, TEXT_OID } from '../pg-types.mjs'
import { EnginePanic, MaxWaitExceeded } from './errors.mjs'
import { poolOptions } from './pool.mjs'

const require = createRequire(import.meta.url)
const { PrismaPg } = require('@prisma/adapter-pg-5')
const { bindAdapter, ok } = require(
  require.resolve('@prisma/driver-adapter-utils', { paths: [path.dirname(require.resolve('@prisma/adapter-pg-5'))] }),
)

export { ENGINE_COMMIT } from './version.mjs'

const wasmDir = path.join(path.dirname(require.resolve('@prisma/query-engine-wasm/package.json')), 'postgresql')
const bindingsUrl = pathToFileURL(path.join(wasmDir, 'query_engine_bg.js')).href
let compiled // the WebAssembly.Module, compiled once per process
let generation = 0

// V8 compiles wasm functions lazily with its baseline compiler and re-compiles the busy
// ones with its optimising compiler. A higher tiering budget optimises only the really hot
// functions: ~15 MB less resident code for the same query speed (measured in bench_engine).
v8.setFlagsFromString('--wasm-tiering-budget=10000000')

async function instantiate() {
  compiled ??= new WebAssembly.Module(readFileSync(path.join(wasmDir, 'query_engine_bg.wasm')))
  generation += 1
  const bindings = await import(generation === 1 ? bindingsUrl : `${bindingsUrl}?instance=${generation}`)
  const instance = new WebAssembly.Instance(compiled, { './query_engine_bg.js': bindings })
  bindings.__wbg_set_wasm(instance.exports)
  instance.exports.__wbindgen_start?.()
  return bindings
}

// Raw queries may return catalog types (current_database() is a `name`); the native engine
// reads them as text, and so does this one ("char" included).
const CatalogTextClient = clientRewritingResults((result) =>
  reportCatalogTypesAsText(result, (field) => {
    field.dataTypeID = TEXT_OID
  }),
)

/** Report the duration of every SQL statement the engine sends (metrics). */
function timed(queryable, onDriverQuery) {
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
  return queryable
}

/**
 * The adapter's transactions honour `max_wait`: the engine build does not bound the wait
 * for a connection, so the host does. `nextMaxWait()` gives the bound of the transaction
 * being started (they start in the order they were asked for).
 */
function boundedTransactions(adapter, pool, nextMaxWait, onDriverQuery) {
  adapter.startTransaction = async () => {
    const maxWait = nextMaxWait()
    let timer
    const acquiring = pool.connect()
    const connection = await Promise.race([
      acquiring,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new MaxWaitExceeded(maxWait)), maxWait)
      }),
    ]).catch((error) => {
      // a connection that arrives after the deadline goes straight back to the pool
      if (error instanceof MaxWaitExceeded) acquiring.then((late) => late.release(), () => {})
      throw error
    }).finally(() => clearTimeout(timer))
    // PgQueryable's queryRaw/executeRaw run on `this.client`: here, the held connection
    const transaction = Object.create(Object.getPrototypeOf(adapter), { client: { value: connection } })
    transaction.adapterName = adapter.adapterName
    transaction.provider = adapter.provider
    transaction.options = { usePhantomQuery: false }
    transaction.commit = async () => (connection.release(), ok(undefined))
    transaction.rollback = async () => (connection.release(), ok(undefined))
    return ok(timed(transaction, onDriverQuery))
  }
  return adapter
}

/**
 * One connected wasm engine on its own pool. `run(call)` runs `call(engine)` and fails it
 * if the engine panics meanwhile.
 */
class Generation {
  constructor(bindings, engine, pool, adapter) {
    this.bindings = bindings
    this.engine = engine
    this.pool = pool
    this.adapter = adapter
    this.inFlight = new Set()
    this.dead = false
  }

  run(call) {
    if (this.dead) return Promise.reject(this.dead)
    return new Promise((resolve, reject) => {
      const entry = { reject }
      this.inFlight.add(entry)
      Promise.resolve()
        .then(() => call(this.engine, this.bindings))
        .then(resolve, reject)
        .finally(() => this.inFlight.delete(entry))
    })
  }

  kill(error) {
    this.dead = error
    for (const { reject } of this.inFlight) reject(error)
    this.inFlight.clear()
    this.pool.end().catch(() => {})
  }
}

/**
 * The engine the server talks to: connects the wasm engine for `datamodel` on `url` and
 * replaces it after a panic.
 */
export class EngineHost {
  constructor({ datamodel, url, cpus, logLevel = 'error', logQueries = false, onLog = () => {}, onDriverQuery = () => {}, onPool = () => {}, nextMaxWait = () => 2000 }) {
    this.options = { datamodel, logLevel, logQueries }
    this.poolOptions = { ...poolOptions(url, cpus), Client: CatalogTextClient }
    this.onLog = onLog
    this.onDriverQuery = onDriverQuery
    this.onPool = onPool
    this.nextMaxWait = nextMaxWait
    this.current = null
    this.starting = null
  }

  get pool() {
    return this.current?.pool
  }

  async connect() {
    const bindings = await instantiate()
    const pool = new pg.Pool(this.poolOptions)
    pool.on('error', () => {}) // an idle client's error is reported on its next use
    pool.on('connect', (client) => client.on('error', () => {})) // nor a busy one's (#14.6)
    this.onPool(pool)
    const base = timed(new PrismaPg(pool), this.onDriverQuery)
    const adapter = bindAdapter(boundedTransactions(base, pool, this.nextMaxWait, this.onDriverQuery))
    const engine = new bindings.QueryEngine(this.options, (line) => this.onLog(line), adapter)
    await engine.connect('{}')
    this.current = new Generation(bindings, engine, pool, adapter)
    return this
  }

  /**
   * Run `call(engine, bindings)`, waiting for a replacement engine if the last one
   * panicked. A panic during the call rejects it with an EnginePanic.
   */
  async run(call) {
    if (this.starting) await this.starting
    try {
      return await this.current.run(call)
    } catch (error) {
      if (!(error instanceof WebAssembly.RuntimeError)) throw error
      this.panicked(error)?.catch(() => {})
      throw new EnginePanic(`the query engine panicked: ${error.message}`)
    }
  }

  /**
   * Make the engine panic as it does on a short transaction id it never issued, which traps its
   * wasm instance (the host's tests of its recovery).
   */
  debugPanic() {
    return this.run((engine) => engine.commitTransaction('nope', '{}'))
  }

  /** The JS error behind a `GenericJs` error id, if the adapter registered one. */
  consumeJsError(id) {
    return this.current?.adapter.errorRegistry.consumeError(id)?.error
  }

  /** The wasm instance trapped: fail what it was doing and start a new one. */
  panicked(error) {
    const old = this.current
    if (old === null || old.dead) return
    old.kill(new EnginePanic(`the query engine panicked: ${error?.message ?? error}`))
    this.starting = this.connect().finally(() => {
      this.starting = null
    })
    return this.starting
  }

  async disconnect() {
    const { engine, pool } = this.current ?? {}
    await engine?.disconnect('{}').catch(() => {})
    await pool?.end().catch(() => {})
  }
}
