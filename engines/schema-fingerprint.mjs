// A fast "no drift" answer for `migrate status` and `migrate dev`, in front of Prisma's own.
//
// Prisma's drift check (engines/migration-history.mjs `driftSummary`) introspects the
// database and replays the applied migrations on a shadow database: two Prisma CLI runs,
// 5-10 s of CPU here. Its verdict depends only on the applied migrations and on what the
// database holds, so once Prisma has said "no difference" for a history, the catalog of the
// database it said it of is what that history gives. This module takes a fingerprint of a
// catalog (SHA-256 over every table, column, type, default, constraint, index, enum, view,
// sequence, function, trigger and extension outside the system schemas) and keeps, per
// history and PostgreSQL major version, the fingerprint Prisma last approved, in the user's
// cache folder. When the database's fingerprint is that one, there is no drift and Prisma
// need not run; any other fingerprint (a first run, a drifted database, another history)
// goes to Prisma's check, whose words are the report.
//
// The fingerprint is stricter than Prisma's comparison (it sees functions, triggers and
// column order, which Prisma ignores): a difference there costs one slow check, never a
// missed drift.
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import path from 'node:path'

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'`

/** Catalog queries, each ordered so that equal catalogs give equal text. */
const CATALOG = [
  `SELECT n.nspname, c.relname, c.relkind, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),
          a.attnotnull, a.attidentity, a.attgenerated, pg_get_expr(d.adbin, d.adrelid)
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${USER_SCHEMAS}
    ORDER BY 1, 2, 4`,
  `SELECT n.nspname, c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid, true)
     FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${USER_SCHEMAS} ORDER BY 1, 2, 3`,
  `SELECT n.nspname, c.relname, pg_get_indexdef(i.indexrelid)
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${USER_SCHEMAS} ORDER BY 1, 2`,
  `SELECT n.nspname, t.typname, e.enumsortorder, e.enumlabel
     FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace
    ORDER BY 1, 2, 3`,
  `SELECT n.nspname, c.relname, pg_get_viewdef(c.oid, true)
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('v', 'm') AND ${USER_SCHEMAS} ORDER BY 1, 2`,
  `SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqincrement, s.seqstart, s.seqmin, s.seqmax, s.seqcycle
     FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${USER_SCHEMAS} ORDER BY 1, 2`,
  `SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), md5(pg_get_functiondef(p.oid))
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE p.prokind IN ('f', 'p') AND ${USER_SCHEMAS}
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    ORDER BY 1, 2, 3`,
  `SELECT n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid)
     FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE NOT t.tgisinternal AND ${USER_SCHEMAS} ORDER BY 1, 2, 3`,
  `SELECT extname, extversion FROM pg_extension ORDER BY 1`,
  `SELECT nspname FROM pg_namespace n WHERE ${USER_SCHEMAS} ORDER BY 1`,
]

/** SHA-256 of the catalog of the database `client` is connected to. */
export async function catalogFingerprint(client) {
  const hash = createHash('sha256')
  for (const sql of CATALOG) {
    const { rows } = await client.query({ text: sql, rowMode: 'array' })
    hash.update(`${sql}\n`)
    for (const row of rows) hash.update(`${JSON.stringify(row)}\n`)
  }
  return hash.digest('hex')
}

/** What the approved fingerprint is filed under: the applied history and the server. */
export async function historyKey(client, appliedLocal) {
  const { rows } = await client.query("SELECT current_setting('server_version_num')::int / 10000 AS major")
  const hash = createHash('sha256').update(`postgres ${rows[0].major}\n`)
  for (const migration of appliedLocal) hash.update(`${migration.name} ${migration.checksum}\n`)
  return hash.digest('hex')
}

/** Where approved fingerprints are kept: the toolchain's cache folder, under drift/. */
export function approvalsFolder() {
  const base = process.env.DOMAINLAYER_CACHE_DIR || (process.env.XDG_CACHE_HOME ? path.join(process.env.XDG_CACHE_HOME, 'domainlayer') : path.join(homedir(), '.cache', 'domainlayer'))
  return path.join(base, 'drift')
}

/** The fingerprint Prisma last approved for `key`, or null. */
export function approvedFingerprint(key) {
  try {
    return JSON.parse(readFileSync(path.join(approvalsFolder(), `${key}.json`), 'utf8')).fingerprint ?? null
  } catch {
    return null
  }
}

/** Remember that Prisma found no drift in a database whose catalog is `fingerprint`. */
export function approveFingerprint(key, fingerprint) {
  try {
    const folder = approvalsFolder()
    mkdirSync(folder, { recursive: true, mode: 0o700 })
    const file = path.join(folder, `${key}.json`)
    const partial = `${file}.${process.pid}.tmp`
    writeFileSync(partial, JSON.stringify({ fingerprint, approved: new Date().toISOString() }), { mode: 0o600 })
    renameSync(partial, file)
  } catch {
    // A cache that cannot be written only means the next check is the slow one again.
  }
}
