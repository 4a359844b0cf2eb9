// Every path the operator commands use, resolved in one place from the toolchain's home.
//
// The home is the folder holding engines/, node_modules/, schema.prisma, prisma.config.ts
// and prisma_migrations/ (the checkout, or an installed package's cache folder): it is
// `projectRoot` of database-url.mjs, so moving the toolchain only moves that one value.
import path from 'node:path'
import { projectRoot } from './database-url.mjs'

export const home = projectRoot
const modules = path.join(home, 'node_modules')

export const paths = {
  home,
  /** Prisma CLI 6.19: every command but `generate`. */
  cli6: path.join(modules, 'prisma', 'build', 'index.js'),
  /** Prisma CLI 5.17: `generate`, the version Prisma Client Python 0.15 pins. */
  cli5: path.join(modules, 'prisma-5', 'build', 'index.js'),
  /** This dispatcher (what `prisma` runs). */
  dispatcher: path.join(home, 'engines', 'prisma-cli.mjs'),
  /** The engine executables Prisma CLI 5.17 and the Python client are pointed at. */
  bin: path.join(home, 'engines', 'bin'),
  /** package.json files whose versions `prisma --version` reports. */
  packageJson: (name) => path.join(modules, ...name.split('/'), 'package.json'),
  /** Prisma CLI 6.19's own copies of its 6.19 WebAssembly query engine (used by Studio). */
  studioQueryEngineWasm: path.join(modules, 'prisma', 'build', 'query_engine_bg.postgresql.wasm'),
  studioQueryEngineRuntime: path.join(modules, 'prisma', 'prisma-client', 'runtime', 'query_engine_bg.postgresql.js'),
  studioClientRuntime: path.join(modules, 'prisma', 'prisma-client', 'runtime', 'library.js'),
}

/** Relative to the working directory, as the Prisma CLI reads them (prisma.config.ts). */
export const defaults = { schema: 'schema.prisma', migrations: 'prisma_migrations' }
