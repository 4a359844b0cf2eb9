// The engine commit Prisma Client Python 0.15 expects from `query-engine --version`, which
// is the commit @prisma/query-engine-wasm 5.17.0-31.393aa359... was built from. Kept apart
// so that `--version` answers without loading the engine.
export const ENGINE_COMMIT = '393aa359c9ad4a4bb28630fb5613f9c281cde053'
