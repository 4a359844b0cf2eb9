#!/usr/bin/env node
// The `prisma` command of this project, offline.
//
// Prisma Client Python's `prisma` command runs `node <binary_cache_dir>/node_modules/prisma/build/index.js`;
// pyproject.toml sets binary_cache_dir to `engines/cli`, where that path links to this file.
// It runs one of the two Prisma CLIs pinned in package-lock.json:
//   - `generate`: Prisma CLI 5.17, the version Prisma Client Python 0.15's generator pins.
//     It needs engine executables to exist: the query engine host (engines/bin/query-engine),
//     whose path the generated client keeps, and a stand-in schema engine it never runs.
//   - everything else: Prisma CLI 6.19, whose schema commands run on the official
//     WebAssembly schema engine through prisma.config.ts (no native engine, no download).
// DATABASE_URL is resolved first (environment, .env, else the embedded PostgreSQL).
// `migrate dev` is assembled from other commands (see migrate-dev.mjs for why).
import { spawn, spawnSync } from 'node:child_process'
import { constants } from 'node:os'
import path from 'node:path'
import { databaseUrl, projectRoot, projectPython } from './database-url.mjs'
import { migrateDev } from './migrate-dev.mjs'

/**
 * Prisma CLI 6.19 decides which query engine it needs before it runs a command: engine
 * type "client" needs none. When the schema cannot be read (an invalid schema), it falls
 * back to PRISMA_CLI_QUERY_ENGINE_TYPE and would try to download that engine before it
 * reports the schema error: the binary type, pointed at our host, keeps it offline.
 */
export function engineTypeWithoutDownloads(binDir) {
  return {
    PRISMA_CLIENT_ENGINE_TYPE: 'client',
    PRISMA_CLI_QUERY_ENGINE_TYPE: 'binary',
    PRISMA_QUERY_ENGINE_BINARY: path.join(binDir, 'query-engine'),
  }
}

const args = process.argv.slice(2)
const command = args.find((arg) => !arg.startsWith('-'))
const bin = path.join(projectRoot, 'engines', 'bin')
const env = {
  ...process.env,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
  PATH: `${path.dirname(projectPython())}${path.delimiter}${process.env.PATH ?? ''}`,
}

let cli
if (command === 'generate') {
  cli = path.join(projectRoot, 'node_modules', 'prisma-5', 'build', 'index.js')
  Object.assign(env, {
    PRISMA_CLI_QUERY_ENGINE_TYPE: 'binary',
    PRISMA_QUERY_ENGINE_BINARY: path.join(bin, 'query-engine'),
    PRISMA_SCHEMA_ENGINE_BINARY: path.join(bin, 'schema-engine'),
  })
} else {
  cli = path.join(projectRoot, 'node_modules', 'prisma', 'build', 'index.js')
  Object.assign(env, engineTypeWithoutDownloads(bin))
  const offline = command === undefined || ['validate', 'format', 'version', 'init', 'help'].includes(command)
  if (offline) {
    // These never connect, but the schema's env("DATABASE_URL") must resolve to a URL.
    env.DATABASE_URL ??= 'postgresql://localhost/not-connected'
  } else {
    try {
      env.DATABASE_URL = databaseUrl()
    } catch (error) {
      console.error(`Error: ${error.message}`)
      process.exit(1)
    }
  }
}

if (command === 'migrate' && args[args.indexOf('migrate') + 1] === 'dev') {
  const rest = args.slice(args.indexOf('migrate') + 2)
  const prisma = (cliArgs, capture) =>
    spawnSync(process.execPath, [cli, ...cliArgs], {
      env,
      encoding: 'utf8',
      stdio: capture ? ['inherit', 'pipe', 'inherit'] : 'inherit',
    })
  const generate = () =>
    spawnSync(process.execPath, [process.argv[1], 'generate'], { stdio: 'inherit', env: process.env }).status ?? 1
  process.exit(migrateDev(rest, prisma, 'prisma_migrations', generate))
}

const child = spawn(process.execPath, [cli, ...args], { stdio: 'inherit', env, cwd: process.cwd() })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)))
