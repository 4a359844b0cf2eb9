// `prisma migrate status`, told truthfully (see migration-history.mjs for why it is ours).
//
// Exit 0 only when every migration of the folder is applied, none failed, the database
// holds none the folder lacks, none was edited after it was applied, and the database has
// not drifted from what the applied migrations give. Otherwise each finding is reported in
// Prisma's words, and the exit code is 1.
import { databaseUrl } from './database-url.mjs'
import { appliedMigrations, compareHistory, driftSummary, isEmptyDatabase, localMigrations, withClient } from './migration-history.mjs'
import { defaults } from './toolchain-paths.mjs'

export const DRIFT_EXPLANATION = [
  'Drift detected: Your database schema is not in sync with your migration history.',
  '',
  'The following is a summary of the differences between the expected database schema given your migrations files, and the actual schema of the database.',
  '',
  'It should be understood as the set of changes to get from the expected schema to the actual schema.',
].join('\n')

const HELP = `
Check the status of your database migrations

Usage

  $ prisma migrate status [options]

Options

  -h, --help   Display this help message
    --schema   Custom path to your Prisma schema (default: schema.prisma)
  --no-drift   Skip the drift check (the database introspected and compared with the history)

Exit codes: 0 up to date; 1 pending, failed, diverged, edited or drifted (each reported), or an error.
`

export function describeDatabase(url) {
  const parsed = new URL(url)
  return `PostgreSQL database "${decodeURIComponent(parsed.pathname.slice(1))}" at "${parsed.hostname}:${parsed.port || 5432}"`
}

const plural = (n, one, many) => (n === 1 ? one : many)

export async function migrateStatus(args, prisma) {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(HELP)
    return 0
  }
  const checkDrift = !args.includes('--no-drift')
  const url = databaseUrl()
  const dir = defaults.migrations
  const local = localMigrations(dir)
  console.log(`Datasource "db": ${describeDatabase(url)}\n`)
  console.log(`${local.length} ${plural(local.length, 'migration', 'migrations')} found in ${dir}\n`)
  const { history, empty } = await withClient(url, async (client) => ({
    history: compareHistory(local, await appliedMigrations(client)),
    empty: await isEmptyDatabase(client),
  }))
  let problems = 0
  if (history.missingLocally.length) {
    problems++
    const common = history.appliedLocal.filter((m) => !history.modified.includes(m.name)).at(-1)
    console.log('Your local migration history and the migrations table from your database are different:\n')
    console.log(`The last common migration is: ${common ? common.name : '(none)'}\n`)
    if (history.pending.length) console.log(`The migrations have not yet been applied:\n${history.pending.join('\n')}\n`)
    console.log(`The migrations from the database are not found locally in ${dir}:\n${history.missingLocally.join('\n')}\n`)
  } else if (history.pending.length) {
    problems++
    console.log(`Following ${plural(history.pending.length, 'migration has', 'migrations have')} not yet been applied:`)
    console.log(`${history.pending.join('\n')}\n`)
    console.log('To apply migrations in development run prisma migrate dev.')
    console.log('To apply migrations in production run prisma migrate deploy.\n')
  }
  if (history.failed.length) {
    problems++
    const names = history.failed.map((row) => row.migration_name)
    console.log(`Following ${plural(names.length, 'migration has', 'migrations have')} failed:\n${names.join('\n')}\n`)
    console.log('During development if the failed migration(s) have not been deployed to a production database you can then fix the migration(s) and run prisma migrate dev.\n')
    console.log('The failed migration(s) can be marked as rolled back or applied:\n')
    console.log('- If you rolled back the migration(s) manually:')
    for (const name of names) console.log(`prisma migrate resolve --rolled-back "${name}"`)
    console.log('\n- If you fixed the database manually (hotfix):')
    for (const name of names) console.log(`prisma migrate resolve --applied "${name}"`)
    console.log('\nRead more about how to resolve migration issues in a production database:\nhttps://pris.ly/d/migrate-resolve\n')
  }
  if (history.modified.length) {
    problems++
    for (const name of history.modified) console.log(`The migration \`${name}\` was modified after it was applied.`)
    console.log('')
  }
  if (checkDrift && !empty && !history.missingLocally.length && !history.failed.length && !history.modified.length) {
    const drift = await driftSummary(prisma, dir, history.appliedLocal)
    if (drift) {
      problems++
      console.log(`${DRIFT_EXPLANATION}\n\n${drift}\n`)
      console.log('To fix it in development, run prisma migrate dev (it offers a reset, all data will be lost), or prisma migrate reset.\n')
    }
  }
  if (problems) return 1
  console.log('Database schema is up to date!')
  return 0
}
