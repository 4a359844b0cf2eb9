// The query engine Prisma Client Python runs (engines/bin/query-engine launches this file).
//
//   query-engine --version                 prints the engine commit the client expects
//   query-engine -p PORT [--enable-...]    serves the client on 127.0.0.1:PORT
//
// Environment, as the client sets it: PRISMA_DML_PATH (the schema), OVERWRITE_DATASOURCES
// (datasource URL overrides), LOG_QUERIES, RUST_LOG. The datasource URL comes from the
// override or from the schema's env("...") variable; an unset DATABASE_URL falls back to
// .env, then to the project's embedded PostgreSQL (engines/database-url.mjs).
import { readFileSync } from 'node:fs'
import os from 'node:os'
import { databaseUrl } from '../database-url.mjs'
import { createEngine, ENGINE_COMMIT } from './engine.mjs'
import { Metrics } from './metrics.mjs'
import { loadSchemaIndex } from './schema-index.mjs'
import { createServer } from './server.mjs'

const args = process.argv.slice(2)
if (args.includes('--version') || args.includes('-V')) {
  console.log(`query-engine ${ENGINE_COMMIT}`)
  process.exit(0)
}

function log(message) {
  process.stderr.write(`${JSON.stringify({ timestamp: new Date().toISOString(), level: 'ERROR', fields: { message }, target: 'domainlayer::query_engine' })}\n`)
}

function datasourceUrl(datamodel) {
  const overrides = process.env.OVERWRITE_DATASOURCES
  if (overrides) {
    const [first] = JSON.parse(overrides)
    if (first?.url) return first.url
  }
  const literal = /datasource\s+\w+\s*\{[^}]*?\burl\s*=\s*(?:env\(\s*"([^"]+)"\s*\)|"([^"]+)")/s.exec(datamodel)
  if (!literal) throw new Error('the schema has no datasource url')
  if (literal[2] !== undefined) return literal[2]
  // DATABASE_URL resolves as everywhere in the project: environment, .env, else the
  // embedded PostgreSQL; so a bare `Prisma()` works with no variable set.
  if (literal[1] === 'DATABASE_URL') return databaseUrl()
  const url = process.env[literal[1]]
  if (!url) throw new Error(`environment variable ${literal[1]} (the datasource url) is not set`)
  return url
}

const portAt = Math.max(args.indexOf('-p'), args.indexOf('--port'))
const port = portAt >= 0 ? Number(args[portAt + 1]) : 4466
const datamodel = readFileSync(process.env.PRISMA_DML_PATH, 'utf8')
const logQueries = Boolean(process.env.LOG_QUERIES)
const logLevel = /info|debug|trace/.test(process.env.RUST_LOG ?? '') ? 'info' : 'error'

const index = loadSchemaIndex(datamodel)
let metrics
const { engine, pool } = await createEngine({
  datamodel,
  url: datasourceUrl(datamodel),
  cpus: os.availableParallelism?.() ?? os.cpus().length,
  logLevel,
  logQueries,
  onLog: (line) => process.stdout.write(`${line}\n`),
  onDriverQuery: (ms) => metrics?.datasourceQuery(ms),
})
metrics = new Metrics(pool)
const server = createServer({ engine, index, metrics, log })
server.keepAliveTimeout = 60_000
server.listen(port, '127.0.0.1')

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  server.close()
  server.closeAllConnections?.()
  await Promise.race([
    (async () => {
      await engine.disconnect('{}').catch(() => {})
      await pool.end().catch(() => {})
    })(),
    new Promise((resolve) => setTimeout(resolve, 2000).unref()),
  ])
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
// No engine outlives its client: if the parent process goes away without a signal, stop.
const parent = process.ppid
setInterval(() => {
  if (process.ppid !== parent) stop()
}, 1000).unref()
