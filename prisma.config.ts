// Prisma CLI 6.19 configuration: schema, migrations folder, and the offline schema engine.
// Migrations run on Prisma's official WebAssembly schema engine through a PostgreSQL
// driver adapter (engines/pg-adapter.mjs), so no native engine is ever downloaded.
// With this file present the CLI does not read .env itself: engines/database-url.mjs does.
import './engines/cli-process.mjs'
import { defineConfig } from 'prisma/config'
import { SchemaEnginePgFactory } from './engines/pg-adapter.mjs'
import { databaseUrl } from './engines/database-url.mjs'

// Engine type "client" tells the CLI that no query engine library is needed (the client
// is Prisma Client Python, with its own engine host): nothing to download.
process.env.PRISMA_CLIENT_ENGINE_TYPE ??= 'client'

export default defineConfig({
  schema: 'schema.prisma',
  migrations: { path: 'prisma_migrations' },
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => new SchemaEnginePgFactory(databaseUrl()),
})
