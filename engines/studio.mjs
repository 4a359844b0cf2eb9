// Prisma Studio (Prisma CLI 6.19), offline, on a driver adapter.
//
// Studio runs its data browser on Prisma Client 6.19's "library" runtime with the adapter
// that prisma.config.ts gives it (`studio.adapter`). That runtime loads Prisma's native
// query engine library, which is downloaded from Prisma's host at run time: offline, the
// page stays blank ("Unable to resolve Prisma Query Engine"). The same runtime can run
// Prisma's official WebAssembly query engine instead, when its config carries `engineWasm`
// (what Prisma's edge clients do); the 6.19 CLI package ships that engine for PostgreSQL
// (build/query_engine_bg.postgresql.wasm). So, for `prisma studio` only:
//   - the CLI is told the engine is a library at that file's path (studioEnv), so it
//     resolves an engine without a download;
//   - prisma.config.ts calls useWasmQueryEngine() in the CLI process, which hands Studio a
//     copy of the runtime whose getPrismaClient adds `engineWasm` to the client's config.
// Nothing of Prisma's is modified on disk.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { paths } from './toolchain-paths.mjs'

const require = createRequire(import.meta.url)
export const STUDIO_FLAG = 'DOMAINLAYER_STUDIO'

/** The environment `prisma studio` runs in (set by engines/prisma-cli.mjs). */
export function studioEnv() {
  return {
    [STUDIO_FLAG]: '1',
    PRISMA_CLIENT_ENGINE_TYPE: 'library',
    PRISMA_CLI_QUERY_ENGINE_TYPE: 'library',
    PRISMA_QUERY_ENGINE_LIBRARY: paths.studioQueryEngineWasm,
    PRISMA_DISABLE_WARNINGS: 'true',
  }
}

let wasmModule
const engineWasm = {
  getRuntime: async () => require(paths.studioQueryEngineRuntime),
  getQueryEngineWasmModule: async () => {
    wasmModule ??= new WebAssembly.Module(readFileSync(paths.studioQueryEngineWasm))
    return wasmModule
  },
}

/** In the Studio CLI process: make Prisma Client's library runtime use the wasm engine. */
export function useWasmQueryEngine() {
  if (process.env[STUDIO_FLAG] !== '1') return
  const runtimePath = require.resolve(paths.studioClientRuntime)
  const runtime = require(runtimePath)
  const patched = {
    ...runtime,
    getPrismaClient(config) {
      return runtime.getPrismaClient({ ...config, engineWasm })
    },
  }
  // Module._load hands out require.cache[path].exports: Studio's own require gets ours.
  require.cache[runtimePath].exports = patched
}
