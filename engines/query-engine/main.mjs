// The query engine Prisma Client Python runs (engines/bin/query-engine launches this file).
//
//   query-engine --version                 prints the engine commit the client expects
//   query-engine -p PORT [--enable-...]    serves the stock client on 127.0.0.1:PORT (HTTP),
//                                          to the host's own OS user only (access.mjs)
//   query-engine --socket PATH             serves domainlayer's engine class on the Unix socket
//                                          PATH (channel.mjs); the secret it must present is
//                                          DOMAINLAYER_ENGINE_SECRET
//
// Environment, as the client sets it: PRISMA_DML_PATH (the schema), OVERWRITE_DATASOURCES
// (datasource URL overrides), LOG_QUERIES, RUST_LOG. The datasource URL comes from the
// override or from the schema's env("...") variable; an unset DATABASE_URL falls back to
// .env, then to the project's embedded PostgreSQL (engines/database-url.mjs).
//
// Lifecycle: the client stops the engine with SIGINT (SIGKILL after its timeout); SIGTERM
// is honoured too. A parent that dies without a signal is noticed by polling the parent
// pid (stdin is not watched: the client lets the engine inherit its own stdin, which may
// be a pipe that closes while the client lives on).
import { ENGINE_COMMIT } from './version.mjs'

const args = process.argv.slice(2)
if (args.includes('--version') || args.includes('-V')) {
  console.log(`query-engine ${ENGINE_COMMIT}`)
  process.exit(0)
}

// The rest loads only to serve (the client runs `--version` before every start).
// Node 21+ has `navigator`; without it pg's runtime check (lib/stream.js) builds a fetch
// Response, which loads undici (~25 ms of start-up) only to learn this is not Cloudflare.
globalThis.navigator ??= { userAgent: `Node.js/${process.versions.node.split('.')[0]}` }
// DOMAINLAYER_QUERY_ENGINE picks the engine: 7 (default) Prisma's current query compiler
// and interpreter (engine7.mjs), 5 the 5.17 wasm query engine (engine.mjs). 7 is faster
// (scripts/bench_engine.py --paths channel5,channel7) and passes the whole suite; 5 stays
// for an A/B and as a way back. Only the engine that runs is loaded.
const engineVersion = process.env.DOMAINLAYER_QUERY_ENGINE === '5' ? '5' : '7'
const [{ readFileSync }, os, { databaseUrl }, engineModule, { poolOptions }, { hostLog, nativeLogLine }, { Metrics }, { loadSchemaIndex }, { createServer }, { Transactions }, { listenChannel }, { sameUserOnly }] =
  await Promise.all([
    import('node:fs'),
    import('node:os'),
    import('../database-url.mjs'),
    engineVersion === '5' ? import('./engine.mjs') : import('./engine7.mjs'),
    import('./pool.mjs'),
    import('./logs.mjs'),
    import('./metrics.mjs'),
    import('./schema-index.mjs'),
    import('./server.mjs'),
    import('./transactions.mjs'),
    import('./channel.mjs'),
    import('./access.mjs'),
  ])

function datasourceUrl(datamodel) {
  const block = /datasource\s+(\w+)\s*\{([^}]*)\}/s.exec(datamodel)
  if (!block) throw new Error('the schema has no datasource')
  const [, name, body] = block
  const overrides = process.env.OVERWRITE_DATASOURCES
  if (overrides) {
    const list = JSON.parse(overrides)
    const chosen = list.find((d) => d.name === name) ?? list[0]
    if (chosen?.url) return chosen.url
  }
  const literal = /\burl\s*=\s*(?:env\(\s*"([^"]+)"\s*\)|"([^"]+)")/.exec(body)
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
const socketAt = args.indexOf('--socket')
const socketPath = socketAt >= 0 ? args[socketAt + 1] : undefined
// the secret is kept by this process only: no child, log or error message gets it
const secret = process.env.DOMAINLAYER_ENGINE_SECRET
delete process.env.DOMAINLAYER_ENGINE_SECRET
if (socketPath !== undefined && !secret) {
  hostLog('ERROR', 'the query engine could not start: --socket needs DOMAINLAYER_ENGINE_SECRET')
  process.exit(1)
}
const datamodel = readFileSync(process.env.PRISMA_DML_PATH, 'utf8')
const logQueries = Boolean(process.env.LOG_QUERIES)
const logLevel = /trace/.test(process.env.RUST_LOG ?? '') ? 'trace' : /debug/.test(process.env.RUST_LOG ?? '') ? 'debug' : /info/.test(process.env.RUST_LOG ?? '') ? 'info' : 'error'

let url
try {
  url = datasourceUrl(datamodel)
} catch (error) {
  hostLog('ERROR', `the query engine could not start: ${error.message}`)
  process.exit(1)
}

const transactions = new Transactions()
const metrics = new Metrics(() => host.pool)
const cpus = os.default.availableParallelism?.() ?? os.default.cpus().length
const host = engineVersion === '5' ? new engineModule.EngineHost({
  datamodel,
  url,
  cpus,
  logLevel,
  logQueries,
  onLog: (line) => process.stdout.write(`${nativeLogLine(line)}\n`),
  onDriverQuery: (ms) => metrics.datasourceQuery(ms),
  onPool: (pool) => metrics.watch(pool),
  nextMaxWait: () => transactions.nextMaxWait(),
}) : new engineModule.CompilerEngineHost({
  datamodel,
  poolOptions: poolOptions(url, cpus),
  logQueries,
  onLog: (line) => process.stdout.write(`${nativeLogLine(line)}\n`),
  onDriverQuery: (ms) => metrics.datasourceQuery(ms),
  onPool: (pool) => metrics.watch(pool),
})

host.engineVersion = engineVersion

// A panic traps the wasm instance and surfaces here, outside any request: the engine is
// replaced (engine.mjs) and the requests it was serving get a panic error answer.
process.on('uncaughtException', (error) => {
  if (error instanceof WebAssembly.RuntimeError) {
    hostLog('ERROR', `the query engine panicked, restarting it: ${error.stack ?? error}`)
    transactions.clear()
    host.panicked(error)?.catch((restart) => {
      hostLog('ERROR', `the query engine could not be restarted: ${restart?.stack ?? restart}`)
      process.exit(1)
    })
    return
  }
  hostLog('ERROR', `query engine host failure: ${error?.stack ?? error}`)
  process.exit(1)
})

// The server listens at once and holds requests (/status included) until the engine is
// connected: the client polls /status every 100 ms, and is answered the moment it is ready.
let index
const ready = (async () => {
  index = loadSchemaIndex(datamodel)
  await host.connect()
})()
ready.catch((error) => {
  hostLog('ERROR', `the query engine could not start: ${error?.message ?? error}`)
  process.exit(1)
})
const log = (message) => hostLog('ERROR', message)
const server = createServer({ ready, host, index: () => index, metrics, transactions, log, admission: sameUserOnly() })
let channel
if (socketPath === undefined) {
  server.listen(port, '127.0.0.1')
} else {
  // one client, one connection: when it goes (disconnect, or the client died), so does the host
  channel = listenChannel({ socketPath, secret, handle: server.handle, log, onClose: () => stop() })
}

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  server.close()
  server.closeAllConnections?.()
  channel?.closeAll()
  await Promise.race([host.disconnect(), new Promise((resolve) => setTimeout(resolve, 2000).unref())])
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
process.on('SIGHUP', stop)
// No engine outlives its client: if the parent process goes away without a signal, stop.
const parent = process.ppid
setInterval(() => {
  if (process.ppid !== parent) stop()
}, 500).unref()
