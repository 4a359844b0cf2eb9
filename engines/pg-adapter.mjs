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

function withWholeScripts(adapter) {
  adapter.executeScript = async (script) => {
    try {
      await adapter.underlyingDriver().query(script)
    } catch (error) {
      adapter.onError(error)
    }
  }
  return adapter
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
    return fixed(await super.connect())
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
