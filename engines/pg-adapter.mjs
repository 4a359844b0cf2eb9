// The PostgreSQL driver adapter the Prisma CLI's WebAssembly schema engine runs on.
//
// It is @prisma/adapter-pg's own factory with three faults of its 6.19 build put right,
// each found by running migrations through it:
//   1. catalog queries return columns of PostgreSQL's internal types (`name`, `"char"`,
//      `regproc`, ...), which the adapter refuses ("Column type 'name' could not be
//      deserialized"): the pg client reports them as text (arrays as text arrays), except
//      `"char"`, which the engine reads as a single character: its column is marked in
//      the result's column name and given back to the engine as a Character column;
//   2. `executeScript` splits scripts on ";", which breaks any migration with a semicolon
//      inside a string, a comment or a function body: scripts are sent whole (the simple
//      query protocol runs several statements in one round trip);
//   3. the shadow database: its pool is built from `{connectionString, database}`, but pg
//      lets the URL's database win, so "shadow" migrations ran on the main database; and
//      it is dropped before its pool is closed, which PostgreSQL refuses while the pool
//      holds connections. The shadow pool gets the parsed URL with its own database, and
//      it is closed before the database is dropped.
// And one addition, so that a migration is all or nothing from the caller's view (a
// `migrate deploy` killed mid-way used to leave its `_prisma_migrations` row unfinished, and
// every later deploy failed with P3009):
//   4. the engine records a migration as started (an INSERT into `_prisma_migrations`),
//      runs its script, then records it finished, each in its own transaction. The script
//      (one simple-query message, which PostgreSQL runs as one transaction) now also takes
//      an advisory transaction lock and marks that row finished, so the migration's
//      changes and its "finished" commit together or not at all. A row that is started but
//      never finished (and has no error logged) therefore belongs to a deploy that died
//      before its script committed: nothing of it was applied. When an adapter connects,
//      such rows are marked rolled back (what `prisma migrate resolve --rolled-back` does),
//      under Prisma's own migration lock and after waiting for a script still running
//      on the server for a client that died, so the next deploy applies the migration.
// Pools let the process exit when idle, so a finished CLI command does not linger.
import { clientRewritingResults, reportCatalogTypesAsText, TEXT_OID } from './pg-types.mjs'
import { PrismaPg } from '@prisma/adapter-pg'
import { ColumnTypeEnum } from '@prisma/driver-adapter-utils'
import { parse } from 'pg-connection-string'

// Appended to the name of a `"char"` column between the pg client and the adapter.
const CHAR_MARKER = '\u0000domainlayer:char'

function markChar(field) {
  field.dataTypeID = TEXT_OID
  field.name += CHAR_MARKER
}

const CatalogTextClient = clientRewritingResults((result) => reportCatalogTypesAsText(result, markChar))

function withCharColumns(queryable) {
  const queryRaw = queryable.queryRaw.bind(queryable)
  queryable.queryRaw = async (query) => {
    const result = await queryRaw(query)
    result.columnNames.forEach((name, i) => {
      if (name.endsWith(CHAR_MARKER)) {
        result.columnNames[i] = name.slice(0, -CHAR_MARKER.length)
        result.columnTypes[i] = ColumnTypeEnum.Character
      }
    })
    return result
  }
  return queryable
}

function fixed(adapter) {
  withCharColumns(adapter)
  const startTransaction = adapter.startTransaction.bind(adapter)
  adapter.startTransaction = async (...args) => withCharColumns(await startTransaction(...args))
  return withWholeScripts(adapter)
}

// Prisma's advisory lock for migrations (schema engine), and ours, held by a migration
// script's transaction until it commits or rolls back.
const PRISMA_MIGRATE_LOCK = 72707369
const SCRIPT_LOCK = 72707370
const INSERT_MIGRATION = /^\s*INSERT\s+INTO\s+(?:"?[\w$]+"?\.)?"?_prisma_migrations"?/i

function quoted(text) {
  return `'${String(text).replaceAll("'", "''")}'`
}

function withWholeScripts(adapter) {
  // The id of the migration the engine has just recorded as started, if any.
  let started = null
  for (const method of ['queryRaw', 'executeRaw']) {
    const original = adapter[method].bind(adapter)
    adapter[method] = async (query) => {
      const result = await original(query)
      if (INSERT_MIGRATION.test(query.sql) && query.args.length > 0) started = query.args[0]
      return result
    }
  }
  adapter.executeScript = async (script) => {
    let whole = script
    if (started !== null) {
      whole =
        `SELECT pg_advisory_xact_lock(${SCRIPT_LOCK});\n${script}\n;\n` +
        `UPDATE "_prisma_migrations" SET finished_at = now() WHERE id = ${quoted(started)};`
      started = null
    }
    try {
      await adapter.underlyingDriver().query(whole)
    } catch (error) {
      adapter.onError(error)
    }
  }
  return adapter
}

const INTERRUPTED_LOG =
  'domainlayer: the deploy that started this migration stopped before its script committed; ' +
  'nothing of it was applied, and the next deploy applies it again'

/**
 * Marks migrations whose deploy died before their script committed as rolled back, so the
 * next `migrate deploy` applies them (instead of failing with P3009). Skipped while another
 * deploy holds Prisma's migration lock: its unfinished row is its own work in progress.
 */
async function recoverInterruptedMigrations(pool) {
  let client
  try {
    client = await pool.connect()
  } catch {
    // An unreachable server or bad credentials: the schema engine's own first query
    // reports it in Prisma's words (P1001, P1000, ...), so nothing is said here.
    return
  }
  try {
    const table = await client.query("SELECT to_regclass('\"_prisma_migrations\"') IS NOT NULL AS present")
    if (!table.rows[0].present) return
    const locked = await client.query(`SELECT pg_try_advisory_lock(${PRISMA_MIGRATE_LOCK}) AS ok`)
    if (!locked.rows[0].ok) return
    try {
      // A script still running for a client that died finishes (or fails) first.
      await client.query(`SELECT pg_advisory_lock(${SCRIPT_LOCK})`)
      await client.query(`SELECT pg_advisory_unlock(${SCRIPT_LOCK})`)
      const recovered = await client.query(
        `UPDATE "_prisma_migrations" SET rolled_back_at = now(), logs = $1
         WHERE finished_at IS NULL AND rolled_back_at IS NULL AND logs IS NULL
         RETURNING migration_name`,
        [INTERRUPTED_LOG],
      )
      for (const row of recovered.rows) {
        console.error(`domainlayer: migration ${row.migration_name} was interrupted before it committed; it will be applied again`)
      }
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${PRISMA_MIGRATE_LOCK})`)
    }
  } finally {
    client.release()
  }
}

const POOL_OPTIONS = { Client: CatalogTextClient, allowExitOnIdle: true, idleTimeoutMillis: 1000 }

function poolConfig(connectionString, database) {
  if (database === undefined) return { connectionString, ...POOL_OPTIONS }
  return { ...parse(connectionString), database, ...POOL_OPTIONS }
}

export class SchemaEnginePgFactory extends PrismaPg {
  #url

  constructor(connectionString) {
    super(poolConfig(connectionString))
    this.#url = connectionString
  }

  async connect() {
    const adapter = fixed(await super.connect())
    await recoverInterruptedMigrations(adapter.underlyingDriver())
    return adapter
  }

  async connectToShadowDb() {
    const database = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID().replaceAll('-', '')}`
    const admin = new CatalogTextClient({ connectionString: this.#url })
    await admin.connect()
    try {
      await admin.query(`CREATE DATABASE "${database}"`)
    } catch (error) {
      await admin.end()
      throw error
    }
    const shadow = fixed(await new PrismaPg(poolConfig(this.#url, database)).connect())
    const dispose = shadow.dispose.bind(shadow)
    shadow.dispose = async () => {
      try {
        await dispose()
        await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)
      } finally {
        await admin.end()
      }
    }
    return shadow
  }
}
