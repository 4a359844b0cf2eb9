// The migration history, read the way Prisma Migrate reads it, for `migrate dev` and
// `migrate status` (engines/migrate-dev.mjs, engines/migrate-status.mjs).
//
// Prisma CLI 6.19 on the WebAssembly schema engine cannot do this itself: its
// `migrate status` reports "up to date" with applied migrations missing from the folder and
// with columns added behind its back, and `migrate dev`'s diagnostics need a shadow database
// the adapter cannot give it. So:
//   - the history: the `_prisma_migrations` table (read with `pg`) against the folder, with
//     Prisma's checksum (SHA-256 of migration.sql): failed, missing locally, modified, pending;
//   - drift: the database introspected (`db pull --print`), diffed against the applied
//     migrations replayed on a shadow database (`migrate diff --from-migrations`), as
//     Prisma's own drift check compares them; skipped when the database's catalog is one
//     that check already approved for the same history (engines/schema-fingerprint.mjs);
//   - data loss: the statements of a new migration that drop or narrow something that holds
//     rows, counted with plain SQL.
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { databaseUrl } from './database-url.mjs'
import { approvalsFolder, approveFingerprint, approvedFingerprint, catalogFingerprint, historyKey } from './schema-fingerprint.mjs'

/** The migrations in the folder, oldest first: {name, checksum, script}. */
export function localMigrations(dir) {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((name) => statSync(path.join(dir, name)).isDirectory() && existsSync(path.join(dir, name, 'migration.sql')))
    .sort()
    .map((name) => {
      const script = readFileSync(path.join(dir, name, 'migration.sql'))
      return { name, checksum: createHash('sha256').update(script).digest('hex'), script: script.toString('utf8') }
    })
}

export async function withClient(url, work) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

/** Rows of `_prisma_migrations`, or null when the table does not exist. */
export async function appliedMigrations(client) {
  const exists = await client.query("SELECT to_regclass('public._prisma_migrations') IS NOT NULL AS present")
  if (!exists.rows[0].present) return null
  const { rows } = await client.query(
    'SELECT migration_name, checksum, finished_at, rolled_back_at, logs FROM public._prisma_migrations ORDER BY started_at, migration_name',
  )
  return rows
}

/** Whether the database holds no table at all outside the system schemas. */
export async function isEmptyDatabase(client) {
  const { rows } = await client.query(
    `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg_toast%'`,
  )
  return rows[0].n === 0
}

/**
 * Compare the folder with the table. Rolled-back rows are ignored, as Prisma does.
 * Returns {local, applied, failed, missingLocally, modified, pending, appliedLocal}.
 */
export function compareHistory(local, rows) {
  const live = (rows ?? []).filter((row) => row.rolled_back_at === null)
  const failed = live.filter((row) => row.finished_at === null)
  const finished = live.filter((row) => row.finished_at !== null)
  const byName = new Map(local.map((migration) => [migration.name, migration]))
  const missingLocally = finished.filter((row) => !byName.has(row.migration_name)).map((row) => row.migration_name)
  const modified = finished
    .filter((row) => byName.has(row.migration_name) && byName.get(row.migration_name).checksum !== row.checksum)
    .map((row) => row.migration_name)
  const done = new Set(finished.map((row) => row.migration_name))
  const failedNames = new Set(failed.map((row) => row.migration_name))
  const pending = local.filter((m) => !done.has(m.name) && !failedNames.has(m.name)).map((m) => m.name)
  const appliedLocal = local.filter((m) => done.has(m.name))
  return { local, applied: finished, failed, missingLocally, modified, pending, appliedLocal }
}

/**
 * Drift: what the database has that the applied migrations do not give (Prisma's summary
 * text, "[+] Added tables ..."), or '' when they agree. `prisma` runs Prisma CLI 6.19.
 */
export async function driftSummary(prisma, migrationsDir, appliedLocal) {
  // Prisma's verdict, unless the database's catalog is one it already approved for this
  // history (engines/schema-fingerprint.mjs): seconds of two CLI runs saved per check.
  const { key, fingerprint } = await withClient(databaseUrl(), async (client) => ({
    key: await historyKey(client, appliedLocal),
    fingerprint: await catalogFingerprint(client),
  }))
  if (approvedFingerprint(key) === fingerprint) {
    console.error(`No drift: the catalog matches the one Prisma's drift check approved for this history (cached in ${approvalsFolder()}).`)
    return ''
  }
  const summary = await prismaDriftSummary(prisma, migrationsDir, appliedLocal)
  if (!summary) approveFingerprint(key, fingerprint)
  return summary
}

/** Prisma's own drift check: the database introspected, diffed against the history. */
async function prismaDriftSummary(prisma, migrationsDir, appliedLocal) {
  const scratch = mkdtempSync(path.join(tmpdir(), 'domainlayer-drift-'))
  try {
    const history = path.join(scratch, 'migrations')
    cpSync(path.join(migrationsDir, 'migration_lock.toml'), path.join(history, 'migration_lock.toml'))
    for (const migration of appliedLocal) cpSync(path.join(migrationsDir, migration.name), path.join(history, migration.name), { recursive: true })
    const pulled = await prisma.six(['db', 'pull', '--print'], { capture: true, quiet: true })
    let target
    if (pulled.status === 0) {
      // The CLI prints its adapter warning on stdout before the schema: keep the schema.
      const text = pulled.stdout.slice(Math.max(0, pulled.stdout.search(/^(generator|datasource) /m)))
      const file = path.join(scratch, 'database.prisma')
      writeFileSync(file, text)
      target = ['--to-schema-datamodel', file]
    } else {
      throw new Error('could not introspect the database (prisma db pull --print failed)')
    }
    const from = appliedLocal.length ? ['--from-migrations', history] : ['--from-empty']
    const diff = await prisma.six(['migrate', 'diff', ...from, ...target], { capture: true, quiet: true })
    if (diff.status !== 0) throw new Error('could not compare the database with the migration history (prisma migrate diff failed)')
    const summary = diff.stdout.trim()
    return /^No difference detected\.?$/m.test(summary) ? '' : summary
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

const IDENT = '"((?:[^"]|"")+)"'
const QUALIFIED = new RegExp(`^${IDENT}\\.${IDENT}$`)

function unquote(text) {
  return text.replaceAll('""', '"')
}

function qualified(text) {
  const match = QUALIFIED.exec(text.trim())
  if (match) return { schema: unquote(match[1]), table: unquote(match[2]) }
  const single = new RegExp(`^${IDENT}$`).exec(text.trim())
  return single ? { schema: 'public', table: unquote(single[1]) } : null
}

const quote = (name) => `"${name.replaceAll('"', '""')}"`
const sqlName = ({ schema, table }) => `${quote(schema)}.${quote(table)}`

const INTEGER_RANK = { smallint: 1, integer: 2, int: 2, int4: 2, int2: 1, bigint: 3, int8: 3 }

/** Whether casting a column from type `from` to `to` may lose values (unknown casts may). */
export function narrows(from, to) {
  const norm = (t) => (t ?? '').toLowerCase().replace(/"/g, '').replace('character varying', 'varchar').replace(/^character\b/, 'char').trim()
  const [a, b] = [norm(from), norm(to)]
  if (a === b) return false
  const length = (t) => /^(?:varchar|char)\s*\((\d+)\)$/.exec(t)
  if (length(a) && (b === 'text' || b === 'varchar')) return false
  if (length(a) && length(b)) return Number(length(b)[1]) < Number(length(a)[1])
  if (a in INTEGER_RANK && b in INTEGER_RANK) return INTEGER_RANK[b] < INTEGER_RANK[a]
  if (a in INTEGER_RANK && /^(numeric|decimal|double precision|float8|bigint)\b/.test(b)) return false
  if (a === 'varchar' && b === 'text') return false
  return true
}

/**
 * What a migration script would destroy, with row counts from the database:
 * [{message}], in Prisma's wording. Only statements that lose data are looked at:
 * DROP TABLE, ALTER TABLE ... DROP COLUMN, ALTER COLUMN ... TYPE (a cast may narrow).
 */
export async function dataLossWarnings(client, script) {
  const statements = script
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/--[^\n]*/g, '')
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter(Boolean)
  const warnings = []
  const count = async (sql) => Number((await client.query(sql)).rows[0].n)
  const exists = async (target) =>
    (await client.query('SELECT to_regclass($1) IS NOT NULL AS present', [sqlName(target)])).rows[0].present
  for (const statement of statements) {
    let match
    if ((match = /^DROP TABLE\s+(.+)$/is.exec(statement))) {
      const target = qualified(match[1])
      if (!target || !(await exists(target))) continue
      const rows = await count(`SELECT count(*) AS n FROM ${sqlName(target)}`)
      if (rows > 0)
        warnings.push(`You are about to drop the \`${target.table}\` table in schema \`${target.schema}\`, which is not empty (${rows} rows).`)
    } else if ((match = /^ALTER TABLE\s+((?:"(?:[^"]|"")+"\.)?"(?:[^"]|"")+")\s+([\s\S]+)$/i.exec(statement))) {
      const target = qualified(match[1])
      if (!target || !(await exists(target))) continue
      for (const clause of match[2].split(/,\s*\n/)) {
        let column
        if ((column = new RegExp(`^DROP COLUMN\\s+${IDENT}`, 'i').exec(clause.trim()))) {
          const name = unquote(column[1])
          const values = await count(`SELECT count(${quote(name)}) AS n FROM ${sqlName(target)}`)
          if (values > 0)
            warnings.push(`You are about to drop the column \`${name}\` on the \`${target.table}\` table in schema \`${target.schema}\`, which still contains ${values} non-null values.`)
        } else if ((column = new RegExp(`^ALTER COLUMN\\s+${IDENT}\\s+(?:SET DATA )?TYPE\\s+(.+?)(?:\\s+USING\\s+.*)?$`, 'is').exec(clause.trim()))) {
          const name = unquote(column[1])
          const values = await count(`SELECT count(${quote(name)}) AS n FROM ${sqlName(target)}`)
          const from = (
              await client.query(
                `SELECT format_type(a.atttypid, a.atttypmod) AS t FROM pg_attribute a
                 WHERE a.attrelid = to_regclass($1) AND a.attname = $2`,
                [sqlName(target), name],
              )
            ).rows[0]?.t
          if (values > 0 && narrows(from, column[2].trim())) {
            warnings.push(
              `You are about to alter the column \`${name}\` on the \`${target.table}\` table in schema \`${target.schema}\`, which contains ${values} non-null values. The data in that column will be cast from \`${from}\` to \`${column[2].trim()}\`.`,
            )
          }
        }
      }
    }
  }
  return warnings
}
