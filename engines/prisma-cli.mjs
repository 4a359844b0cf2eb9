#!/usr/bin/env node
// The `prisma` command of this project, offline.
//
// Reached three ways, all the same program:
//   - `prisma ...` in the project's environment: domainlayer's launcher (or Prisma Client
//     Python's own `prisma` command, through engines/cli, see pyproject's [tool.prisma]);
//   - `npx prisma ...`: package.json's "bin" names this file, and npx prefers the project's
//     own bin to a download;
//   - `npm run <script>`: package.json's scripts call it with node.
// It runs one of the two Prisma CLIs pinned in package-lock.json:
//   - `generate`: Prisma CLI 5.17, the version Prisma Client Python 0.15's generator pins.
//     It needs engine executables to exist: the query engine host (engines/bin/query-engine),
//     whose path the generated client keeps, and a stand-in schema engine it never runs.
//   - everything else: Prisma CLI 6.19, whose schema commands run on the official
//     WebAssembly schema engine through prisma.config.ts (no native engine, no download).
// Commands that regenerate the client on Prisma CLI 6.19 (`db push`, `migrate reset`) run
// with --skip-generate, then `generate` runs here on 5.17: 6.19 would run the Python
// generator with the wrong version, report its error and still exit 0.
// `migrate dev` and `migrate status` are our own (migrate-dev.mjs, migrate-status.mjs: why
// in their headers). DATABASE_URL is resolved first (environment, .env, else the embedded
// PostgreSQL). Signals (SIGINT, SIGTERM, SIGHUP) are passed on to every child process.
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { constants } from 'node:os'
import path from 'node:path'
import { databaseUrl, projectPython } from './database-url.mjs'
import { paths } from './toolchain-paths.mjs'

/**
 * Prisma CLI 6.19 decides which query engine it needs before it runs a command: engine
 * type "client" needs none. When the schema cannot be read (an invalid schema), it falls
 * back to PRISMA_CLI_QUERY_ENGINE_TYPE and would try to download that engine before it
 * reports the schema error: the binary type, pointed at our host, keeps it offline.
 */
function engineTypeWithoutDownloads(binDir) {
  return {
    PRISMA_CLIENT_ENGINE_TYPE: 'client',
    PRISMA_CLI_QUERY_ENGINE_TYPE: 'binary',
    PRISMA_QUERY_ENGINE_BINARY: path.join(binDir, 'query-engine'),
  }
}

const OFFLINE_COMMANDS = ['validate', 'format', 'version', 'init', 'help']

// ---- child processes, and the signals they must all receive ----------------------------

const children = new Set()
let stopping = null

/** Process ids of every descendant of this process (Linux /proc; else the direct children). */
function descendants() {
  let entries
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  } catch {
    return [...children].map((child) => child.pid)
  }
  const parentOf = new Map()
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      parentOf.set(Number(pid), Number(fields[1]))
    } catch {
      // the process ended meanwhile
    }
  }
  const found = []
  const wanted = new Set([process.pid])
  let grew = true
  while (grew) {
    grew = false
    for (const [pid, parent] of parentOf) {
      if (wanted.has(parent) && !wanted.has(pid)) {
        wanted.add(pid)
        found.push(pid)
        grew = true
      }
    }
  }
  return found
}

function passOn(signal) {
  stopping = signal
  for (const pid of descendants()) {
    try {
      process.kill(pid, signal)
    } catch {
      // already gone
    }
  }
  if (children.size === 0) process.exit(128 + (constants.signals[signal] ?? 0))
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => passOn(signal))

/**
 * Run `node <script> ...args` (or any program when `script` is null and args[0] names it);
 * resolves to {status, stdout}. With `capture`, stdout is collected instead of shown.
 */
function run(program, args, { env = process.env, capture = false, quiet = false, input = 'inherit' } = {}) {
  return new Promise((resolve) => {
    const child = spawn(program, args, {
      env,
      cwd: process.cwd(),
      stdio: [input, capture ? 'pipe' : 'inherit', quiet ? 'pipe' : 'inherit'],
    })
    children.add(child)
    let stdout = ''
    let stderr = ''
    if (capture) {
      child.stdout.setEncoding('utf8')
      child.stdout.on('data', (chunk) => (stdout += chunk))
    }
    if (quiet) {
      // Shown only when the command fails: internal steps keep the CLI's chatter to themselves.
      child.stderr.setEncoding('utf8')
      child.stderr.on('data', (chunk) => (stderr += chunk))
    }
    child.on('error', (error) => {
      children.delete(child)
      console.error(`Error: could not run ${program}: ${error.message}`)
      resolve({ status: 1, stdout })
    })
    child.on('exit', (code, signal) => {
      children.delete(child)
      if (stopping) process.exit(128 + (constants.signals[stopping] ?? 0))
      const status = code ?? 128 + (constants.signals[signal] ?? 0)
      if (quiet && status !== 0) process.stderr.write(stderr)
      resolve({ status, stdout })
    })
  })
}

// ---- the environments of the two CLIs ---------------------------------------------------

function baseEnv() {
  return {
    ...process.env,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
    // `python` (the seed command, the generator) is the project environment's interpreter.
    PATH: `${path.dirname(projectPython())}${path.delimiter}${process.env.PATH ?? ''}`,
  }
}

function env5() {
  return {
    ...baseEnv(),
    PRISMA_CLI_QUERY_ENGINE_TYPE: 'binary',
    PRISMA_QUERY_ENGINE_BINARY: path.join(paths.bin, 'query-engine'),
    PRISMA_SCHEMA_ENGINE_BINARY: path.join(paths.bin, 'schema-engine'),
  }
}

function env6(command) {
  const env = { ...baseEnv(), ...engineTypeWithoutDownloads(paths.bin) }
  if (command === undefined || OFFLINE_COMMANDS.includes(command)) {
    // These never connect, but the schema's env("DATABASE_URL") must resolve to a URL.
    env.DATABASE_URL ??= 'postgresql://localhost/not-connected'
  } else {
    env.DATABASE_URL = databaseUrl()
  }
  return env
}

/** The CLIs as functions, for the commands assembled here. */
const prisma = {
  /** Prisma CLI 6.19 with `args`. */
  six: (args, options = {}) =>
    run(process.execPath, [paths.cli6, ...args], { env: env6(args.find((arg) => !arg.startsWith('-'))), ...options }),
  /** `prisma generate` on Prisma CLI 5.17 (the Python client's generator). */
  generate: async (args = []) => {
    const done = await run(process.execPath, [paths.cli5, 'generate', ...args], { env: env5() })
    if (done.status !== 0 || args.includes('--help') || args.includes('-h')) return done
    // What the generator leaves out: bytecode (without it every import compiles the client
    // again) and prisma/types.pyi for pyright (domainlayer.toolchain.finish_generated_client).
    const compiled = await run(projectPython(), ['-c', 'from domainlayer.toolchain import finish_generated_client as f; f()'])
    return compiled.status === 0 ? done : compiled
  },
  /** `prisma db seed` on Prisma CLI 6.19: the seed command of prisma.config.ts. */
  seed: () => run(process.execPath, [paths.cli6, 'db', 'seed'], { env: env6('db') }),
}

// ---- `prisma --version` --------------------------------------------------------------

function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(paths.packageJson(name), 'utf8')).version
  } catch {
    return 'not installed (run ./scripts/setup)'
  }
}

function pythonClientVersion() {
  const done = spawnSync(
    projectPython(),
    ['-c', 'import importlib.metadata as m; print(m.version("prisma"))'],
    { encoding: 'utf8' },
  )
  return done.status === 0 ? `${done.stdout.trim()} (${projectPython()})` : 'not installed (run ./scripts/setup)'
}

/** The query engine the Python client's host runs (DOMAINLAYER_QUERY_ENGINE, default 7). */
function pythonClientEngine() {
  if (process.env.DOMAINLAYER_QUERY_ENGINE === '5') {
    return [
      ['Python client Query Engine', `@prisma/query-engine-wasm ${packageVersion('@prisma/query-engine-wasm')} (DOMAINLAYER_QUERY_ENGINE=5)`],
      ['  on', `@prisma/adapter-pg ${packageVersion('@prisma/adapter-pg-5')}`],
    ]
  }
  return [
    ['Python client Query Engine', `@prisma/query-compiler-wasm ${packageVersion('@prisma/query-compiler-wasm')} (default; DOMAINLAYER_QUERY_ENGINE=5 for @prisma/query-engine-wasm ${packageVersion('@prisma/query-engine-wasm')})`],
    ['  on', `@prisma/client-engine-runtime ${packageVersion('@prisma/client-engine-runtime')}, @prisma/adapter-pg ${packageVersion('@prisma/adapter-pg-7')}`],
  ]
}

async function version(args) {
  const done = await prisma.six(args, { capture: true })
  process.stdout.write(done.stdout)
  if (done.status !== 0) return done.status
  const rows = [
    ['Prisma Client Python', pythonClientVersion()],
    ['prisma generate runs on', `prisma ${packageVersion('prisma-5')} (the version the Python generator pins)`],
    ...pythonClientEngine(),
    ['  hosted by', `engines/bin/query-engine on Node ${process.versions.node}, pg ${packageVersion('pg')}`],
    ['Schema Engine', `@prisma/schema-engine-wasm ${packageVersion('@prisma/schema-engine-wasm')} on @prisma/adapter-pg ${packageVersion('@prisma/adapter-pg')}`],
    ['Studio Query Engine', `query_engine_bg.postgresql.wasm of prisma ${packageVersion('prisma')} on @prisma/adapter-pg ${packageVersion('@prisma/adapter-pg')}`],
    ['PSL of prisma generate', `@prisma/prisma-schema-wasm ${packageVersion('@prisma/prisma-schema-wasm')}`],
  ]
  const width = Math.max(...rows.map(([key]) => key.length))
  for (const [key, value] of rows) console.log(`${key.padEnd(width)} : ${value}`)
  return 0
}

// ---- dispatch ---------------------------------------------------------------------------

function without(args, ...flags) {
  return args.filter((arg) => !flags.includes(arg))
}

async function main(args) {
  const command = args.find((arg) => !arg.startsWith('-'))
  const sub = command === undefined ? undefined : args[args.indexOf(command) + 1]
  const help = args.includes('--help') || args.includes('-h')

  if (command === 'generate') return (await prisma.generate(args.slice(args.indexOf('generate') + 1))).status
  if ((command === undefined || command === 'version') && (command === 'version' || args.includes('--version') || args.includes('-v')))
    return version(args)

  if (command === 'migrate' && sub === 'dev') {
    const { migrateDev } = await import('./migrate-dev.mjs')
    return migrateDev(args.slice(args.indexOf('dev') + 1), prisma)
  }
  if (command === 'migrate' && sub === 'status') {
    const { migrateStatus } = await import('./migrate-status.mjs')
    return migrateStatus(args.slice(args.indexOf('status') + 1), prisma)
  }
  const regenerates = !help && ((command === 'db' && sub === 'push') || (command === 'migrate' && sub === 'reset'))
  if (regenerates) {
    const skipGenerate = args.includes('--skip-generate')
    const skipSeed = args.includes('--skip-seed')
    const reset = sub === 'reset'
    // 6.19 would seed before we regenerate: Prisma's order is reset, generate, seed.
    const pushed = await prisma.six([...without(args, '--skip-generate', '--skip-seed'), '--skip-generate', ...(reset ? ['--skip-seed'] : [])])
    if (pushed.status !== 0) return pushed.status
    if (!skipGenerate) {
      const generated = await prisma.generate()
      if (generated.status !== 0) return generated.status
    }
    if (reset && !skipSeed) return (await prisma.seed()).status
    return 0
  }
  if (command === 'studio' && !help) {
    const { studioEnv } = await import('./studio.mjs')
    const env = { ...env6('studio'), ...studioEnv() }
    return (await run(process.execPath, [paths.cli6, ...args], { env })).status
  }
  return (await prisma.six(args)).status
}

try {
  process.exitCode = await main(process.argv.slice(2))
} catch (error) {
  console.error(`Error: ${error.message}`)
  process.exitCode = 1
}
