// Prisma's current query engine (the one Prisma 7's own client runs): the query compiler
// (@prisma/query-compiler-wasm) turns a JSON-protocol query into a query plan, and the
// TypeScript interpreter of @prisma/client-engine-runtime runs that plan over
// @prisma/adapter-pg 7 on a pg pool. This module gives it the interface of the 5.17 wasm
// engine that the server drives (engine.mjs: `query`, `startTransaction`, `commitTransaction`,
// `rollbackTransaction`, each answering the engine's JSON text), doing what Prisma 7's
// ClientEngine does around the two packages:
//
// - plans are cached keyed on the query's shape: values are first replaced by placeholders
//   (`parameterizeQuery`, driven by a parameter graph built from the schema's DMMF by
//   @prisma/param-graph-builder, cached on disk with the schema index), so find-by-id for
//   any id compiles once;
// - batches of findUnique are compiled together (`compileBatch`): the compiler folds them
//   into one query (`compacted`) whose rows are handed back to each request;
// - statements get names (adapter-pg's `statementNameGenerator`), so pg prepares each one
//   once per connection;
// - errors become the native engine's shapes (user-facing errors keep their Prisma codes;
//   a driver that cannot reach the database gives P1001 and friends).
//
// A panic inside the compiler poisons its wasm instance: the instance is dropped and a new
// one compiled from the same module, as ClientEngine does; the pool and transactions stay.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import v8 from 'node:v8'
import pg from 'pg'
import { clientRewritingResults, reportCatalogTypesAsText, TEXT_OID } from '../pg-types.mjs'
import { fromJsError, isInfrastructureKind } from './errors.mjs'
import { loadParamGraph } from './schema-index.mjs'

const require = createRequire(import.meta.url)

export { ENGINE_COMMIT } from './version.mjs'

const compilerDir = path.join(path.dirname(require.resolve('@prisma/query-compiler-wasm/package.json')), 'postgresql')
// The package ships two builds of the compiler: `fast` (optimised for speed) and `small`
// (for size); DOMAINLAYER_QUERY_COMPILER picks one (see bench_engine.py for the trade).
const COMPILER_BUILD = process.env.DOMAINLAYER_QUERY_COMPILER === 'small' ? 'small' : 'fast'

// With the plan cache, the compiler runs only for a query shape it has not seen: V8's
// baseline (Liftoff) code is fast enough there, and skipping the optimising tier keeps the
// host's resident memory at ~88 MB instead of ~163 MB after a warm-up (measured with
// both builds; the interpreter that runs every query is JavaScript, unaffected).
v8.setFlagsFromString('--liftoff-only')
// The module compiles once per process, on V8's background threads from the moment this
// file loads, while the host's other modules load and its schema is read (start-up time).
const compiledModule = WebAssembly.compile(readFileSync(path.join(compilerDir, `query_compiler_${COMPILER_BUILD}_bg.wasm`)))
let generation = 0

// loaded once the compile above is under way
const runtime = require('@prisma/client-engine-runtime')
const { PrismaPg } = require('@prisma/adapter-pg-7')

// The compiler reports a panic through this hook before trapping.
globalThis.PRISMA_WASM_PANIC_REGISTRY = {
  set_message(message) {
    throw new CompilerPanic(message)
  },
}

export class CompilerPanic extends Error {}

async function loadCompiler() {
  const module = await compiledModule
  generation += 1
  const url = new URL(`file://${path.join(compilerDir, `query_compiler_${COMPILER_BUILD}_bg.js`)}`)
  if (generation > 1) url.search = `instance=${generation}`
  const bindings = await import(url.href)
  const instance = new WebAssembly.Instance(module, { [`./query_compiler_${COMPILER_BUILD}_bg.js`]: bindings })
  bindings.__wbg_set_wasm(instance.exports)
  instance.exports.__wbindgen_start?.()
  return bindings
}

const CatalogTextClient = clientRewritingResults((result) =>
  reportCatalogTypesAsText(result, (field) => {
    field.dataTypeID = TEXT_OID
  }),
)

// Column types of the driver adapter's results (@prisma/driver-adapter-utils ColumnTypeEnum).
const DOUBLE = 3
const DOUBLE_ARRAY = 67

/**
 * A double as the native engine reads it: the Rust engine holds a Float value as a
 * BigDecimal made from the f64 with 16 significant digits (bigdecimal's `from_f64`), so
 * 0.36363636363636365 reads back as 0.3636363636363636 (an exact tie to the even digit, as
 * Rust formats). Measured against the 5.17 engine on
 * 1,000 random doubles of every magnitude: identical. Raw queries give the f64 as it is
 * there too, so they are left exact.
 */
function nativeDouble(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return value
  const rounded = Number(value.toPrecision(16))
  // toPrecision rounds an exact tie (a 17th digit 5, nothing after it) away from zero, Rust
  // to the even digit: only then the exact expansion is looked at
  const seventeen = value.toExponential(16)
  if (seventeen[seventeen[0] === '-' ? 18 : 17] !== '5') return rounded
  const exact = value.toExponential(99)
  const at = exact[0] === '-' ? 1 : 0
  const e = exact.indexOf('e')
  if (!/^0*$/.test(exact.slice(at + 18, e)) || Number(exact[at + 16]) % 2 === 1) return rounded
  return Number(exact.slice(0, at + 17) + exact.slice(e))
}

function roundDoubles(result) {
  const types = result.columnTypes
  for (let i = 0; i < types.length; i++) {
    if (types[i] === DOUBLE) {
      for (const row of result.rows) row[i] = nativeDouble(row[i])
    } else if (types[i] === DOUBLE_ARRAY) {
      for (const row of result.rows) if (Array.isArray(row[i])) row[i] = row[i].map(nativeDouble)
    }
  }
  return result
}

/**
 * Placeholder values as the native engine holds the query's values: a fractional number is
 * a BigDecimal of 16 significant digits there too (what the compiler does with a value left
 * in the query), so the plan cache changes nothing that is written or compared.
 */
function nativePlaceholders(values) {
  for (const name in values) {
    const value = values[name]
    if (typeof value === 'number' && !Number.isInteger(value)) values[name] = nativeDouble(value)
    else if (Array.isArray(value)) values[name] = value.map((v) => (typeof v === 'number' && !Number.isInteger(v) ? nativeDouble(v) : v))
  }
  return values
}

/**
 * `queryable` (the adapter or one of its transactions) reading doubles as the native engine
 * does; `exactQueryRaw` keeps the exact reading, for raw queries.
 */
function nativeFloats(queryable) {
  const exact = queryable.queryRaw.bind(queryable)
  queryable.exactQueryRaw = exact
  queryable.queryRaw = async (query) => roundDoubles(await exact(query))
  return queryable
}

/** The queryable a raw query runs on: `queryable` with its exact reading of doubles. */
function exactQueryable(queryable) {
  return {
    provider: queryable.provider,
    adapterName: queryable.adapterName,
    queryRaw: queryable.exactQueryRaw,
    executeRaw: (query) => queryable.executeRaw(query),
  }
}

/**
 * Statement names: one per SQL text, so pg prepares it once per connection. Remembered per
 * text in a PlanCache (`statementNames`, below it): hashing the SQL of every call cost
 * ~2.5 % of the host.
 */
function statementName(query) {
  let name = statementNames.get(query.sql)
  if (name === undefined) {
    name = `p${createHash('sha1').update(query.sql).digest('base64url').slice(0, 20)}`
    statementNames.set(query.sql, name)
  }
  return name
}

/** The native engine's words for a missing record (P2025), where Prisma 7's differ. */
const NATIVE_MISSING_RECORD = {
  'a query': 'Expected a record, found none.',
  'an update': 'Record to update not found.',
  'a delete': 'Record to delete does not exist.',
}

function nativeMissingRecordText(message) {
  return message.replace(/No record was found for (a query|an update|a delete)\.$/, (_, operation) => NATIVE_MISSING_RECORD[operation])
}

/** An error of the compiler, the interpreter or the driver, in the native engine's shape. */
function errorAnswer(error, pool) {
  if (error instanceof runtime.UserFacingError) {
    // a raw query whose connection failed is an infrastructure error, not a query error
    const cause = error.meta?.driverAdapterError?.cause
    if (cause?.kind !== undefined && isInfrastructureKind(cause.kind)) return fromJsError(error, pool, cause.kind)
    // SQLSTATE classes 08 (connection) and 57 (server shut down / restarting)
    if (/^(08|57P)/.test(String(cause?.originalCode ?? cause?.code ?? ''))) return fromJsError(error, pool, 'ConnectionClosed')
    const meta = { ...(error.meta ?? {}) }
    delete meta.driverAdapterError
    // the native engine's raw-query error meta: the SQLSTATE and the server's message
    if (error.code === 'P2010' && cause?.originalCode !== undefined) Object.assign(meta, { code: cause.originalCode, message: cause.originalMessage ?? '' })
    if (error.code === 'P2028') {
      // the native engine's text: "Transaction already closed: ..." for expired ones too,
      // which is what the client reads to raise TransactionExpiredError
      let inner = error.message.replace(/^Transaction API error: /, '')
      if (/cannot be executed on an expired transaction/.test(inner) && !inner.startsWith('Transaction already closed')) {
        inner = `Transaction already closed: ${inner}`
      }
      return { error: inner, user_facing_error: { is_panic: false, message: `Transaction API error: ${inner}`, meta: { error: inner, ...meta }, error_code: 'P2028' } }
    }
    const message = error.code === 'P2025' ? nativeMissingRecordText(error.message) : error.message
    return { error: message, user_facing_error: { is_panic: false, message, meta, error_code: error.code } }
  }
  if (error instanceof CompilerPanic) {
    return { error: error.message, user_facing_error: { is_panic: true, message: error.message, meta: {}, backtrace: null } }
  }
  // the compiler throws its validation errors as {message, code, meta}
  if (typeof error?.message === 'string' && typeof error?.code === 'string' && /^P\d{4}$/.test(error.code)) {
    return { error: error.message, user_facing_error: { is_panic: false, message: error.message, meta: error.meta ?? {}, error_code: error.code } }
  }
  if (error?.name === 'DriverAdapterError' && error.cause?.kind) return fromJsError(new Error(error.cause.message ?? error.cause.kind), pool, error.cause.kind)
  if (typeof error?.message === 'string' && error.code === undefined && !(error instanceof Error)) {
    return { error: error.message, user_facing_error: { is_panic: false, message: error.message, meta: {} } }
  }
  return fromJsError(error, pool)
}

function isRawQuery(query) {
  return query.action === 'queryRaw' || query.action === 'executeRaw'
}

function decodeRawParameter(parameter) {
  if (Array.isArray(parameter)) return parameter.map(decodeRawParameter)
  if (typeof parameter === 'object' && parameter !== null && 'prisma__value' in parameter) return `${parameter.prisma__value}`
  if (typeof parameter === 'object' && parameter !== null) return JSON.stringify(parameter)
  return parameter
}

const RAW_TAGS = { bigint: 'bigint', date: 'datetime', decimal: 'decimal', bytes: 'bytes' }

function rawScalarType(parameter) {
  if (typeof parameter === 'object' && parameter !== null && typeof parameter.prisma__type === 'string' && parameter.prisma__type in RAW_TAGS) {
    return RAW_TAGS[parameter.prisma__type]
  }
  if (typeof parameter === 'number') return 'decimal'
  if (typeof parameter === 'string') return 'string'
  return 'unknown'
}

/**
 * Raw parameters (JSON text) parsed with integers beyond a double's precision kept exact:
 * they become bigint parameters, as the native engine read them.
 */
export function parseRawParameters(text) {
  let out = ''
  let last = 0
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (ch === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++
      continue
    }
    if (ch === '-' || (ch >= '0' && ch <= '9')) {
      let j = i + 1
      while (j < text.length && /[0-9.eE+-]/.test(text[j])) j++
      const token = text.slice(i, j)
      if (/^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token))) {
        out += `${text.slice(last, i)}{"prisma__type":"bigint","prisma__value":"${token}"}`
        last = j
      }
      i = j - 1
    }
  }
  return JSON.parse(last === 0 ? text : out + text.slice(last))
}

/** A raw query's plan, as ClientEngine builds it (its deserializeRawParameters). */
function rawPlan(query) {
  const parsed = parseRawParameters(query.query.arguments.parameters ?? '[]')
  if (!Array.isArray(parsed)) throw new Error('Received invalid serialized parameters: expected an array')
  return {
    type: query.action === 'queryRaw' ? 'query' : 'execute',
    args: {
      type: 'rawSql',
      sql: query.query.arguments.query,
      args: parsed.map(decodeRawParameter),
      argTypes: parsed.map((p) => (Array.isArray(p) ? { scalarType: p.length > 0 ? rawScalarType(p[0]) : 'unknown', arity: 'list' } : { scalarType: rawScalarType(p), arity: 'scalar' })),
    },
  }
}

class PlanCache {
  constructor(max = 1000) {
    this.max = max
    this.entries = new Map()
  }

  get(key) {
    const plan = this.entries.get(key)
    if (plan !== undefined) {
      this.entries.delete(key)
      this.entries.set(key, plan)
    }
    return plan
  }

  set(key, plan) {
    this.entries.delete(key)
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value)
    this.entries.set(key, plan)
  }
}

const statementNames = new PlanCache(2000)

const stringify = (value) => runtime.safeJsonStringify(value)

/** The engine object the server's calls receive (the 5.17 engine's method names). */
class CompilerEngine {
  constructor(host) {
    this.host = host
  }

  compile(query) {
    const host = this.host
    const { parameterizedQuery, placeholderValues } = runtime.parameterizeQuery(query, host.paramGraph)
    nativePlaceholders(placeholderValues)
    const key = JSON.stringify(parameterizedQuery)
    const cacheable = query.action !== 'createMany' && query.action !== 'createManyAndReturn'
    let plan = cacheable ? host.plans.get(key) : undefined
    if (plan === undefined) {
      plan = host.withCompiler((compiler) => compiler.compile(key))
      if (cacheable) host.plans.set(key, plan)
    }
    return { plan, placeholderValues }
  }

  async execute(plan, scope, txId, raw = false) {
    const host = this.host
    const queryable = txId ? await host.transactions.getTransaction({ id: txId }, 'query') : host.adapter
    return await host.interpreter.run(plan, {
      queryable: raw ? exactQueryable(queryable) : queryable,
      transactionManager: txId ? { enabled: false } : { enabled: true, manager: host.transactions },
      scope,
    })
  }

  async query(body, _trace, txId) {
    return stringify(await this.queryValue(JSON.parse(body), txId))
  }

  /**
   * `query` without the JSON text on either side: the server hands the request object it
   * translated and untags the answer object (results.mjs turns what JSON text would have
   * turned: bigints, byte arrays, dates); raw queries' answers still pass through JSON
   * text, their values being whatever the driver gave.
   */
  async queryValue(request, txId) {
    try {
      if (Array.isArray(request.batch)) {
        const answer = await this.batch(request, txId)
        return request.batch.every(isRawQuery) ? JSON.parse(stringify(answer)) : answer
      }
      const raw = isRawQuery(request)
      const { plan, placeholderValues } = raw ? { plan: rawPlan(request), placeholderValues: {} } : this.compile(request)
      const data = await this.execute(plan, placeholderValues, txId, raw)
      const answer = { data: { [request.action]: data } }
      return raw ? JSON.parse(stringify(answer)) : answer
    } catch (error) {
      return JSON.parse(stringify({ errors: [errorAnswer(error, this.host.pool)] }))
    }
  }

  /** A batch as ClientEngine runs it: compacted findUniques in one query, else plan by plan. */
  async batch(request, txId) {
    const host = this.host
    const queries = request.batch
    if (queries.length === 0) return { batchResult: [] }
    let compiled
    let scope = {}
    const raw = queries.every(isRawQuery)
    if (raw) {
      compiled = { type: 'multi', plans: queries.map(rawPlan) }
    } else {
      const { parameterizedBatch, placeholderValues } = runtime.parameterizeBatch({ batch: queries, transaction: request.transaction }, host.paramGraph)
      const key = JSON.stringify(parameterizedBatch)
      scope = nativePlaceholders(placeholderValues)
      compiled = host.batchPlans.get(key)
      if (compiled === undefined) {
        compiled = host.withCompiler((compiler) => compiler.compileBatch(key))
        host.batchPlans.set(key, compiled)
      }
    }
    if (compiled.type === 'compacted') {
      const rows = await this.execute(compiled.plan, scope, txId)
      const results = runtime.convertCompactedRows(rows, compiled, scope)
      return { batchResult: results.map((result) => ({ data: { [queries[0].action]: result } })) }
    }
    // one transaction around the plans unless the batch runs inside one already
    const own = txId ? undefined : (await host.transactions.startTransaction({ maxWait: 2000, timeout: 5000, isolationLevel: request.transaction?.isolationLevel })).id
    const tx = txId ?? own
    const results = []
    let failed = false
    const canContinue = !request.transaction && queries.every((q) => q.action === 'findUnique' || q.action === 'findUniqueOrThrow')
    for (const [i, plan] of compiled.plans.entries()) {
      try {
        const queryable = await host.transactions.getTransaction({ id: tx }, 'batch query')
        const data = await host.interpreter.run(plan, { queryable: raw ? exactQueryable(queryable) : queryable, transactionManager: { enabled: false }, scope })
        results.push({ data: { [queries[i].action]: data } })
      } catch (error) {
        results.push({ errors: [errorAnswer(error, host.pool)] })
        failed = true
        if (!canContinue) break
      }
    }
    if (own !== undefined) {
      if (failed) await host.transactions.rollbackTransaction(own)
      else await host.transactions.commitTransaction(own)
    }
    if (failed && request.transaction) {
      // a transactional batch fails as a whole, with the first error (as the native engine)
      return { errors: results.find((r) => r.errors).errors }
    }
    return { batchResult: results }
  }

  async startTransaction(options) {
    const { max_wait: maxWait, timeout, isolation_level: isolationLevel } = JSON.parse(options)
    try {
      const info = await this.host.transactions.startTransaction({ maxWait, timeout, isolationLevel: isolationLevel?.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase() })
      return stringify({ id: info.id })
    } catch (error) {
      return stringify({ errors: [errorAnswer(error, this.host.pool)] })
    }
  }

  async commitTransaction(id) {
    try {
      await this.host.transactions.commitTransaction(id)
      return '{}'
    } catch (error) {
      return stringify({ errors: [errorAnswer(error, this.host.pool)] })
    }
  }

  async rollbackTransaction(id) {
    try {
      await this.host.transactions.rollbackTransaction(id)
      return '{}'
    } catch (error) {
      return stringify({ errors: [errorAnswer(error, this.host.pool)] })
    }
  }
}


/**
 * The engine the server talks to, with EngineHost's interface (engine.mjs): connects the
 * compiler for `datamodel` and the interpreter on a pg pool for `url`.
 */
export class CompilerEngineHost {
  constructor({ datamodel, poolOptions, onLog = () => {}, onDriverQuery = () => {}, onPool = () => {}, logQueries = false }) {
    this.datamodel = datamodel
    this.poolOptions = { ...poolOptions, Client: CatalogTextClient }
    this.onLog = onLog
    this.onDriverQuery = onDriverQuery
    this.onPool = onPool
    this.logQueries = logQueries
    this.plans = new PlanCache()
    this.batchPlans = new PlanCache(200)
    this.engine = new CompilerEngine(this)
    this.compiler = null
    this.bindings = null
  }

  async connect() {
    this.pool = new pg.Pool(this.poolOptions)
    this.pool.on('error', () => {})
    // a connection PostgreSQL terminates (restart, admin) fails its query, never the host
    this.pool.on('connect', (client) => client.on('error', () => {}))
    this.onPool(this.pool)
    // The first connection opens while the compiler loads (I/O beside CPU), so the first
    // query finds it ready; a failure here is the first query's to report, as before.
    this.pool.connect().then((client) => client.release(), () => {})
    const factory = new PrismaPg(this.pool, { statementNameGenerator: statementName, onConnectionError: () => {}, onPoolError: () => {} })
    this.adapter = nativeFloats(await factory.connect())
    const startTransaction = this.adapter.startTransaction.bind(this.adapter)
    this.adapter.startTransaction = async (isolationLevel) => nativeFloats(await startTransaction(isolationLevel))
    const onQuery = (event) => {
      this.onDriverQuery(event.duration)
      if (this.logQueries) this.onLog(JSON.stringify({ level: 'INFO', module_path: 'quaint::connector::metrics', query: event.query, params: stringify(event.params), duration_ms: event.duration, result: 'success', item_type: 'query', is_query: true }))
    }
    this.interpreter = runtime.QueryInterpreter.forSql({ onQuery, tracingHelper: runtime.noopTracingHelper, provider: 'postgresql', connectionInfo: this.adapter.getConnectionInfo() })
    this.transactions = new runtime.TransactionManager({
      driverAdapter: this.adapter,
      transactionOptions: { maxWait: 2000, timeout: 5000 },
      tracingHelper: runtime.noopTracingHelper,
      onQuery,
      provider: 'postgresql',
    })
    this.paramGraph = loadParamGraph(this.datamodel)
    await this.newCompiler()
    return this
  }

  async newCompiler() {
    this.bindings = await loadCompiler()
    this.compiler = new this.bindings.QueryCompiler({ datamodel: this.datamodel, provider: 'postgres', connectionInfo: this.adapter.getConnectionInfo() })
  }

  /** Run `fn(compiler)`; a panic drops the instance (a new one is made before the next use). */
  withCompiler(fn) {
    if (this.compiler === null) throw new CompilerPanic('the query compiler is being restarted')
    try {
      return fn(this.compiler)
    } catch (error) {
      if (error instanceof CompilerPanic || error instanceof WebAssembly.RuntimeError) {
        this.compiler = null
        this.newCompiler().catch(() => {})
        throw error instanceof CompilerPanic ? error : new CompilerPanic(error.message)
      }
      throw error
    }
  }

  get currentPool() {
    return this.pool
  }

  async run(call) {
    return await call(this.engine)
  }

  debugPanic() {
    return this.run(() => this.withCompiler(() => {
      throw new WebAssembly.RuntimeError('unreachable (debug panic)')
    }))
  }

  consumeJsError() {
    return undefined
  }

  panicked() {
    return undefined
  }

  async disconnect() {
    await this.transactions?.cancelAllTransactions().catch(() => {})
    await this.pool?.end().catch(() => {})
  }
}
