// Where the Prisma CLI finds its database, with the same precedence as domainlayer.settings:
//   1. DATABASE_URL in the environment;
//   2. DATABASE_URL in a .env found from the working directory upwards (the other variables
//      of .env are loaded too, without overriding the environment, as the Prisma CLI does
//      without a config file);
//   3. what Python resolves (`python -m domainlayer.database url`): the embedded PostgreSQL
//      in the checkout or with DOMAINLAYER_EMBEDDED=1, else an error saying how to set one.
// The target (host:port/database, never the password) is printed on stderr once.
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

/** The first .env from the working directory upwards, as python-dotenv's find_dotenv. */
function findDotEnv() {
  for (let folder = process.cwd(); ; folder = path.dirname(folder)) {
    const file = path.join(folder, '.env')
    if (existsSync(file)) return file
    if (path.dirname(folder) === folder) return null
  }
}

function loadDotEnv() {
  const file = findDotEnv()
  if (!file) return
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
        cwd: process.cwd(),
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
  printTarget(process.env.DATABASE_URL)
  return process.env.DATABASE_URL
}

/** host:port/database of a URL, never its password. */
export function describeTarget(url) {
  try {
    const parsed = new URL(url)
    const user = parsed.username ? ` as ${decodeURIComponent(parsed.username)}` : ''
    return `${parsed.hostname || 'localhost'}:${parsed.port || 5432}${parsed.pathname}${user}`
  } catch {
    return '<unparsable database URL>'
  }
}

function printTarget(url) {
  if (process.env.DOMAINLAYER_TARGET_SHOWN) return
  process.env.DOMAINLAYER_TARGET_SHOWN = '1' // child processes inherit it: printed once
  console.error(`domainlayer: database ${describeTarget(url)}`)
}
