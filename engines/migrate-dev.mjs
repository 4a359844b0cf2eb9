// `prisma migrate dev`, rebuilt from commands that work on the WebAssembly schema engine.
//
// Prisma CLI 6.19 runs `migrate dev` as devDiagnostic -> applyMigrations -> evaluateDataLoss
// -> createMigration. On schema-engine-wasm 7.1.1 (the one 6.19 pins) evaluateDataLoss fails
// with "PostgreSQL shadow DB must be provided through an external factory": that step does
// not use the adapter's shadow database, which `migrate diff` does use. So this does:
//   1. `migrate deploy`: apply the pending migrations of the history;
//   2. `migrate diff --from-migrations <history> --to-schema-datamodel <schema> --script`,
//      replayed on a shadow database: what the schema adds to the history;
//   3. nothing to add: "Already in sync"; else write <history>/<UTC timestamp>_<name>/migration.sql;
//   4. unless --create-only, `migrate deploy` again; unless --skip-generate, `prisma generate`.
// Not done: data-loss warnings (read the SQL: --create-only writes it without applying it)
// and drift detection with automatic reset (`prisma migrate reset` does that on request).
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'

const EMPTY_MIGRATION = /^\s*(--[^\n]*\n?\s*)*$/

function parse(args) {
  const options = { name: undefined, createOnly: false, skipGenerate: false, schema: 'schema.prisma' }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (arg === '--create-only') options.createOnly = true
    else if (arg === '--skip-generate') options.skipGenerate = true
    else if (arg === '--skip-seed') continue
    else if (arg === '--name' || arg === '-n') options.name = args[++i]
    else if (arg.startsWith('--name=')) options.name = arg.slice('--name='.length)
    else if (arg === '--schema') options.schema = args[++i]
    else if (arg.startsWith('--schema=')) options.schema = arg.slice('--schema='.length)
    else throw new Error(`migrate dev: unknown option ${arg}`)
  }
  return options
}

function timestamp(now = new Date()) {
  return now.toISOString().replace(/[-:T]/g, '').slice(0, 14)
}

/**
 * @param {string[]} args      arguments after `migrate dev`
 * @param {(args: string[], capture?: boolean) => {status: number, stdout: string}} prisma
 *        runs Prisma CLI 6.19 with the dispatcher's environment
 * @param {string} migrationsDir the migration history (relative to the working directory)
 */
export function migrateDev(args, prisma, migrationsDir, generate) {
  const options = parse(args)
  const step = (cliArgs, capture = false) => {
    const done = prisma(cliArgs, capture)
    if (done.status !== 0) process.exit(done.status || 1)
    return done
  }
  step(['migrate', 'deploy', '--schema', options.schema])
  const diff = step(
    ['migrate', 'diff', '--from-migrations', migrationsDir, '--to-schema-datamodel', options.schema, '--script'],
    true,
  ).stdout
  if (EMPTY_MIGRATION.test(diff)) {
    console.log('Already in sync, no schema change or pending migration was found.')
  } else {
    if (!options.name) {
      console.error('migrate dev: the schema has changes; name the migration with --name <name>')
      return 1
    }
    const slug = options.name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '')
    const folder = path.join(migrationsDir, `${timestamp()}_${slug || 'migration'}`)
    mkdirSync(folder, { recursive: true })
    writeFileSync(path.join(folder, 'migration.sql'), diff.endsWith('\n') ? diff : `${diff}\n`)
    console.log(`Created migration ${folder}${options.createOnly ? ' (not applied: --create-only)' : ''}`)
    if (!options.createOnly) step(['migrate', 'deploy', '--schema', options.schema])
  }
  if (!options.skipGenerate) {
    const status = generate()
    if (status !== 0) return status
  }
  return 0
}
