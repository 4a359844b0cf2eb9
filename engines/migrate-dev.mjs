// `prisma migrate dev`, rebuilt from commands that work on the WebAssembly schema engine.
//
// Prisma CLI 6.19 runs `migrate dev` as devDiagnostic -> applyMigrations -> evaluateDataLoss
// -> createMigration. On schema-engine-wasm 7.1.1 (the one 6.19 pins) those steps fail with
// "PostgreSQL shadow DB must be provided through an external factory": they do not use the
// adapter's shadow database, which `migrate diff` does use. So this does Prisma's steps in
// Prisma's order, with nothing written before the checks pass:
//   1. diagnose (migration-history.mjs): applied migrations missing from the folder, edited
//      after they were applied, failed, or drift (the database differs from what the applied
//      migrations give). Any of them: report it as Prisma does, then reset the database
//      (asked on a terminal; `--force` off one; else exit 1, nothing touched);
//   2. `migrate deploy`: apply the pending migrations of the history;
//   3. `migrate diff --from-migrations <history> --to-schema-datamodel <schema> --script`,
//      replayed on a shadow database: what the schema adds to the history;
//   4. data loss: statements that drop or narrow data still held in the database are listed
//      with their row counts; applying them needs a "yes" on a terminal or --accept-data-loss;
//   5. the name (--name, else asked on a terminal), then
//      <history>/<UTC timestamp>_<name>/migration.sql, applied unless --create-only;
//   6. `prisma generate` unless --skip-generate; the seed (prisma.config.ts) when the
//      database was empty or has just been reset, unless --skip-seed.
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { createInterface } from 'node:readline/promises'
import { databaseUrl } from './database-url.mjs'
import {
  appliedMigrations,
  compareHistory,
  dataLossWarnings,
  driftSummary,
  isEmptyDatabase,
  localMigrations,
  withClient,
} from './migration-history.mjs'
import { describeDatabase, DRIFT_EXPLANATION } from './migrate-status.mjs'
import { defaults } from './toolchain-paths.mjs'

const EMPTY_MIGRATION = /^\s*(--[^\n]*\n?\s*)*$/

export const HELP = `
Create a migration from changes in Prisma schema, apply it to the database, trigger generators (e.g. Prisma Client)

Usage

  $ prisma migrate dev [options]

Options

       -h, --help   Display this help message
         --schema   Custom path to your Prisma schema (default: schema.prisma)
       -n, --name   Name the migration (asked on a terminal when missing)
    --create-only   Create a new migration but do not apply it
                    The migration will be empty if there are no changes in Prisma schema
  --skip-generate   Skip triggering generators (e.g. Prisma Client)
      --skip-seed   Skip triggering seed
--accept-data-loss  Apply a migration that drops or narrows data still in the database
      -f, --force   Reset a drifted database without asking (required off a terminal)

Exit codes: 0 done or already in sync; 1 an error, a refused reset or data loss not accepted.

Examples

  Create a migration from changes in Prisma schema, apply it to the database, trigger generators
  $ prisma migrate dev

  Specify a name for the migration
  $ prisma migrate dev --name added_job_title

  Create a migration without applying it
  $ prisma migrate dev --create-only
`

function parse(args) {
  const options = {
    name: undefined,
    createOnly: false,
    skipGenerate: false,
    skipSeed: false,
    acceptDataLoss: false,
    force: false,
    help: false,
    schema: defaults.schema,
  }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    const value = () => {
      if (i + 1 >= args.length) throw new Error(`${arg} needs a value`)
      return args[++i]
    }
    if (arg === '--create-only') options.createOnly = true
    else if (arg === '--skip-generate') options.skipGenerate = true
    else if (arg === '--skip-seed') options.skipSeed = true
    else if (arg === '--accept-data-loss') options.acceptDataLoss = true
    else if (arg === '--force' || arg === '-f') options.force = true
    else if (arg === '--help' || arg === '-h') options.help = true
    else if (arg === '--name' || arg === '-n') options.name = value()
    else if (arg.startsWith('--name=')) options.name = arg.slice('--name='.length)
    else if (arg === '--schema') options.schema = value()
    else if (arg.startsWith('--schema=')) options.schema = arg.slice('--schema='.length)
    else if (arg === '--config') value()
    else if (arg.startsWith('--config=')) continue
    else throw new Error(`unknown option ${arg}`)
  }
  return options
}

function timestamp(now = new Date()) {
  return now.toISOString().replace(/[-:T]/g, '').slice(0, 14)
}

export function slug(name) {
  return name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '')
}

const interactive = () => Boolean(process.stdin.isTTY && process.stdout.isTTY)

async function ask(question) {
  const rl = createInterface({ input: process.stdin, output: process.stdout })
  try {
    return (await rl.question(question)).trim()
  } finally {
    rl.close()
  }
}

const yes = (answer) => /^y(es)?$/i.test(answer)

/**
 * @param {string[]} args arguments after `migrate dev`
 * @param {{six: Function, generate: Function, seed: Function}} prisma the dispatcher's CLIs
 * @returns {Promise<number>} the exit code
 */
export async function migrateDev(args, prisma) {
  let options
  try {
    options = parse(args)
  } catch (error) {
    console.error(`Error: migrate dev: ${error.message}\n${HELP}`)
    return 1
  }
  if (options.help) {
    console.log(HELP)
    return 0
  }
  const url = databaseUrl()
  const dir = defaults.migrations
  const where = describeDatabase(url)
  console.log(`Datasource "db": ${where}\n`)

  // 1. Diagnose; nothing is written before this passes.
  const { history, empty } = await withClient(url, async (client) => ({
    history: compareHistory(localMigrations(dir), await appliedMigrations(client)),
    empty: await isEmptyDatabase(client),
  }))
  const reasons = []
  if (history.missingLocally.length)
    reasons.push(
      `The following migration(s) are applied to the database but missing from the local migrations directory: ${history.missingLocally.join(', ')}`,
    )
  for (const name of history.modified) reasons.push(`The migration \`${name}\` was modified after it was applied.`)
  for (const row of history.failed) reasons.push(`The migration \`${row.migration_name}\` failed to apply.`)
  if (!reasons.length && !empty) {
    const drift = await driftSummary(prisma, dir, history.appliedLocal)
    if (drift) reasons.push(`${DRIFT_EXPLANATION}\n\n${drift}`)
  }
  let reset = false
  if (reasons.length) {
    console.log(`${reasons.join('\n\n')}\n`)
    const need = `We need to reset the ${where}.`
    if (!options.force) {
      if (!interactive()) {
        console.error(
          `${need} All data will be lost.\n` +
            'Nothing was changed. Run `prisma migrate dev --force` to reset it and continue, or `prisma migrate reset`.',
        )
        return 1
      }
      if (!yes(await ask(`? ${need}\nDo you want to continue? All data will be lost. (y/N) `))) {
        console.error('Reset cancelled: nothing was changed.')
        return 1
      }
    }
    const done = await prisma.six(['migrate', 'reset', '--force', '--skip-generate', '--skip-seed', '--schema', options.schema])
    if (done.status !== 0) return done.status
    reset = true
  }

  // 2. Apply the pending migrations.
  const deployed = await prisma.six(['migrate', 'deploy', '--schema', options.schema])
  if (deployed.status !== 0) return deployed.status

  // 3. What the schema adds to the history.
  const diff = await prisma.six(['migrate', 'diff', '--from-migrations', dir, '--to-schema-datamodel', options.schema, '--script'], {
    capture: true,
    quiet: true,
  })
  if (diff.status !== 0) return diff.status
  const script = diff.stdout
  if (EMPTY_MIGRATION.test(script)) {
    if (options.createOnly) console.log('No schema change: no migration created (--create-only).')
    else console.log('Already in sync, no schema change or pending migration was found.')
  } else {
    // 4. Data loss, counted before anything is written.
    const warnings = await withClient(url, (client) => dataLossWarnings(client, script))
    if (warnings.length) {
      console.log(`⚠️  Warnings for the current datasource:\n\n${warnings.map((w) => `  • ${w}`).join('\n')}\n`)
      if (!options.acceptDataLoss && !options.createOnly) {
        if (!interactive()) {
          console.error(
            'Error: this migration would lose data (above). Nothing was written.\n' +
              'Use --accept-data-loss to create and apply it anyway, or --create-only to write it without applying it.',
          )
          return 1
        }
        if (!yes(await ask('? Are you sure you want to create and apply this migration? (y/N) '))) {
          console.error('Migration cancelled: nothing was written.')
          return 1
        }
      }
    }
    // 5. Name, write, apply.
    let name = options.name
    if (!name) {
      if (!interactive()) {
        console.error('Error: the schema has changes; name the migration with --name <name> (off a terminal it cannot be asked).')
        return 1
      }
      name = await ask('? Enter a name for the new migration: ')
    }
    const folder = path.join(dir, `${timestamp()}_${slug(name) || 'migration'}`)
    mkdirSync(folder, { recursive: true })
    writeFileSync(path.join(folder, 'migration.sql'), script.endsWith('\n') ? script : `${script}\n`)
    console.log(`Created migration ${folder}${options.createOnly ? ' (not applied: --create-only)' : ''}`)
    if (!options.createOnly) {
      const applied = await prisma.six(['migrate', 'deploy', '--schema', options.schema])
      if (applied.status !== 0) return applied.status
    }
  }

  // 6. Generators, then the seed on a database that was empty or has just been reset.
  if (!options.skipGenerate) {
    const generated = await prisma.generate()
    if (generated.status !== 0) return generated.status
  }
  if ((empty || reset) && !options.skipSeed && !options.createOnly) {
    console.log('\nRunning seed command from prisma.config.ts ...')
    const seeded = await prisma.seed()
    if (seeded.status !== 0) return seeded.status
  }
  return 0
}
