// The include's floor (scripts/bench_include_floor.py): Prisma's current engine as the host
// runs it (engines/query-engine/engine7.mjs), called in this process, so the time is the
// engine's alone (no channel, no JSON text, no Python). Two engine instances on one pool
// size each: the schema as it is (Prisma's default strategy: the page, then its profiles by
// key, joined here) and the schema with the `relationJoins` preview feature (one statement:
// a LATERAL join building each profile as JSONB). One command per line on stdin, one JSON
// answer per line on stdout: {"op": "query"|"join", "calls": N} -> {"ms": [...]};
// {"op": "tx", "ids": [...]} -> {"ms": [...]}: per id, the interactive transaction of
// bench_peers.py (start, update the user, update its profile, commit) on the same engine;
// {"op": "compare"} -> {"same": bool, "difference": text}; {"op": "quit"}.
import { readFileSync } from 'node:fs'
import readline from 'node:readline'
import { CompilerEngineHost } from '../../engines/query-engine/engine7.mjs'
import { poolOptions } from '../../engines/query-engine/pool.mjs'

const [url, schemaPath, poolSize] = process.argv.slice(2)
const schema = readFileSync(schemaPath, 'utf8')
const withJoins = schema.replace(/previewFeatures\s*=\s*\[/, (m) => `${m}"relationJoins", `)
if (withJoins === schema) throw new Error('the schema has no previewFeatures list to add relationJoins to')

const request = {
  modelName: 'CoachUser',
  action: 'findMany',
  query: {
    arguments: { take: 100, orderBy: [{ id: 'asc' }] },
    selection: { $scalars: true, profile: { arguments: {}, selection: { $scalars: true } } },
  },
}

async function engine(datamodel) {
  const host = new CompilerEngineHost({ datamodel, poolOptions: { ...poolOptions(url, 1), max: Number(poolSize) } })
  await host.connect()
  return host
}

const hosts = { query: await engine(schema), join: await engine(withJoins) }

async function call(host) {
  const answer = await host.engine.queryValue(structuredClone(request))
  if (answer.errors) throw new Error(JSON.stringify(answer.errors))
  return answer
}

let counter = 0
const update = (modelName, where, data) => ({ modelName, action: 'updateOne', query: { arguments: { where, data }, selection: { $scalars: true } } })

async function transaction(host, id) {
  counter += 1
  const engine = host.engine
  const started = JSON.parse(await engine.startTransaction(JSON.stringify({ max_wait: 2000, timeout: 5000 })))
  if (started.errors) throw new Error(JSON.stringify(started.errors))
  for (const request of [update('CoachUser', { id }, { displayName: `floor-${counter}` }), update('CoachProfile', { userId: id }, { lastSummary: `floor-${counter}` })]) {
    const answer = await engine.queryValue(request, started.id)
    if (answer.errors) throw new Error(JSON.stringify(answer.errors))
  }
  const committed = JSON.parse(await engine.commitTransaction(started.id))
  if (committed.errors) throw new Error(JSON.stringify(committed.errors))
}

function firstDifference(a, b) {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `at ${i}: ${JSON.stringify(a.slice(Math.max(0, i - 30), i + 40))} vs ${JSON.stringify(b.slice(Math.max(0, i - 30), i + 40))}`
  }
  return ''
}

const out = (value) => process.stdout.write(`${JSON.stringify(value)}\n`)
out({ ready: true })
for await (const line of readline.createInterface({ input: process.stdin })) {
  const command = JSON.parse(line)
  try {
    if (command.op === 'quit') break
    if (command.op === 'compare') {
      const a = JSON.stringify(await call(hosts.query))
      const b = JSON.stringify(await call(hosts.join))
      out({ same: a === b, difference: firstDifference(a, b) })
      continue
    }
    if (command.op === 'tx') {
      const ms = []
      for (const id of command.ids) {
        const started = performance.now()
        await transaction(hosts.query, id)
        ms.push(performance.now() - started)
      }
      out({ ms })
      continue
    }
    const host = hosts[command.op]
    const ms = []
    for (let i = 0; i < command.calls; i++) {
      const started = performance.now()
      await call(host)
      ms.push(performance.now() - started)
    }
    out({ ms })
  } catch (error) {
    out({ error: String(error?.stack ?? error) })
  }
}
await Promise.all(Object.values(hosts).map((h) => h.pool.end()))
process.exit(0)
