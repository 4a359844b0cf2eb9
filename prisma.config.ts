// Prisma CLI 6.19 configuration: schema, migrations folder and seed, the offline schema
// engine, and Prisma Studio's adapter.
// Migrations run on Prisma's official WebAssembly schema engine through a PostgreSQL
// driver adapter (engines/pg-adapter.mjs), so no native engine is ever downloaded.
// With this file present the CLI does not read .env itself: engines/database-url.mjs does.
import './engines/cli-process.mjs'
import { defineConfig } from 'prisma/config'
import { PrismaPg } from '@prisma/adapter-pg'
import { SchemaEnginePgFactory } from './engines/pg-adapter.mjs'
import { databaseUrl } from './engines/database-url.mjs'
import { useWasmQueryEngine } from './engines/studio.mjs'

// Engine type "client" tells the CLI that no query engine library is needed (the client
// is Prisma Client Python, with its own engine host): nothing to download.
process.env.PRISMA_CLIENT_ENGINE_TYPE ??= 'client'
// `prisma studio` only: Studio's data browser on Prisma's WebAssembly query engine.
useWasmQueryEngine()

export default defineConfig({
  schema: 'schema.prisma',
  migrations: {
    path: 'prisma_migrations',
    // `prisma db seed`, and `migrate reset` / `migrate dev` on an empty database, run this.
    // `python` is the project environment's: engines/prisma-cli.mjs puts it first on PATH.
    seed: 'python -m seed',
  },
  experimental: { adapter: true, studio: true },
  engine: 'js',
  adapter: async () => new SchemaEnginePgFactory(databaseUrl()),
  studio: { adapter: async () => new PrismaPg({ connectionString: databaseUrl() }) },
})
