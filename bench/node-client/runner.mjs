// Prisma's own Node client 6.19 (engineType "client": the query compiler + the TypeScript
// interpreter, on @prisma/adapter-pg), one contender of scripts/bench_peers.py.
//
//   node runner.mjs <postgresql-url> <pool size>
//
// Protocol: one JSON object per line. On stdout it first prints {"ready": true, "pid": N};
// then it reads commands from stdin and answers each with one line:
//   {"op": "find"|"insert"|"find_many"|"update"|"count"|"tx", "ids": [...],
//    "budget_ms": B, "min_calls": M}
//       -> {"ms": [one latency per call, in milliseconds]}
//   {"op": "concurrent", "ids": [...], "tasks": 50, "budget_ms": B}
//       -> {"ms": [...], "elapsed_ms": X}   (the ids shared by `tasks` concurrent tasks)
//   {"op": "rss"} -> {"rss_mb": X}
//   {"op": "quit"} -> disconnects and exits
// A failed command answers {"error": "..."}. Timings are taken here, inside Node, so the
// pipe to Python is not part of them.
import { createRequire } from 'node:module'
import { createInterface } from 'node:readline'
import { PrismaPg } from '@prisma/adapter-pg'

const require = createRequire(import.meta.url)
const { PrismaClient } = require('./generated/client/index.js')

const [url, poolSize] = process.argv.slice(2)
const prisma = new PrismaClient({
  adapter: new PrismaPg({ connectionString: url, max: Number(poolSize) || 10 }),
})

let counter = 0
const ops = {
  find: (id) => prisma.coachUser.findUnique({ where: { id } }),
  insert: (id) =>
    prisma.coachUser.create({
      data: { id, googleId: id, email: `${id}@example.com`, displayName: id },
    }),
  find_many: () =>
    prisma.coachUser.findMany({ take: 100, orderBy: { id: 'asc' }, include: { profile: true } }),
  update: (id) =>
    prisma.coachUser.update({ where: { id }, data: { displayName: `node-${++counter}` } }),
  count: () => prisma.coachUser.count({ where: { role: 'coach' } }),
  tx: (id) =>
    prisma.$transaction(async (tx) => {
      await tx.coachUser.update({ where: { id }, data: { displayName: `node-${++counter}` } })
      await tx.coachProfile.update({ where: { userId: id }, data: { lastSummary: `node-${counter}` } })
    }),
}

// As in scripts/bench_peers.py: a batch stops early once its budget is spent, after
// `minCalls` calls (sequential) or once every task has started one (concurrent).
async function sequential(op, ids, budgetMs, minCalls) {
  const ms = []
  const deadline = performance.now() + budgetMs
  for (const id of ids) {
    const started = performance.now()
    await op(id)
    ms.push(performance.now() - started)
    if (ms.length >= minCalls && performance.now() > deadline) break
  }
  return { ms }
}

async function concurrent(op, ids, tasks, budgetMs) {
  const ms = []
  let next = 0
  const deadline = performance.now() + budgetMs
  const worker = async () => {
    while (next < ids.length) {
      const started = performance.now()
      if (next >= tasks && started > deadline) return
      const id = ids[next++]
      await op(id)
      ms.push(performance.now() - started)
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: tasks }, worker))
  return { ms, elapsed_ms: performance.now() - started }
}

async function handle(command) {
  switch (command.op) {
    case 'quit':
      await prisma.$disconnect()
      process.exit(0)
    case 'rss':
      return { rss_mb: process.memoryUsage.rss() / 1024 / 1024 }
    case 'concurrent':
      return concurrent(ops.find, command.ids, command.tasks, command.budget_ms ?? Infinity)
    default: {
      const op = ops[command.op]
      if (op === undefined) throw new Error(`unknown op ${JSON.stringify(command.op)}`)
      return sequential(op, command.ids, command.budget_ms ?? Infinity, command.min_calls ?? 1)
    }
  }
}

await prisma.$connect()
process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`)
// Commands are answered one at a time, in order (the benchmark sends the next one only
// after it has read the answer).
const lines = createInterface({ input: process.stdin })
for await (const line of lines) {
  if (!line.trim()) continue
  let answer
  try {
    answer = await handle(JSON.parse(line))
  } catch (error) {
    answer = { error: String(error?.stack ?? error) }
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`)
}
await prisma.$disconnect()
