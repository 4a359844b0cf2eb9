// Where the Prisma CLI finds its database, with the same precedence as domainlayer.settings:
//   1. DATABASE_URL in the environment;
//   2. DATABASE_URL in the project's .env (the other variables of .env are loaded too,
//      without overriding the environment, as the Prisma CLI does without a config file);
//   3. the project's embedded PostgreSQL, started if needed, whose URL Python prints
//      (`python -m domainlayer.database url`).
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseEnv } from 'node:util'

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** The Python interpreter of the project's environment. */
export function projectPython() {
  if (process.env.DOMAINLAYER_PYTHON) return process.env.DOMAINLAYER_PYTHON
  const venv = process.env.VIRTUAL_ENV || path.join(projectRoot, '.venv')
  const python = path.join(venv, 'bin', 'python')
  return existsSync(python) ? python : 'python3'
}

function loadDotEnv() {
  const file = path.join(projectRoot, '.env')
  if (!existsSync(file)) return
  const values = parseEnv(readFileSync(file, 'utf8'))
  for (const [key, value] of Object.entries(values)) {
    if (process.env[key] === undefined) process.env[key] = value
  }
}

/** Resolve DATABASE_URL once per process and leave it in process.env for child processes. */
export function databaseUrl() {
  if (!process.env.DATABASE_URL) loadDotEnv()
  if (!process.env.DATABASE_URL) {
    try {
      process.env.DATABASE_URL = execFileSync(projectPython(), ['-m', 'domainlayer.database', 'url'], {
        cwd: projectRoot,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      }).trim()
    } catch (error) {
      throw new Error(
        `DATABASE_URL is not set and the embedded PostgreSQL could not be started ` +
          `(${projectPython()} -m domainlayer.database url): ${error.message}`,
      )
    }
  }
  return process.env.DATABASE_URL
}
