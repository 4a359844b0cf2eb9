// The HTTP surface Prisma Client Python talks to (its engine/_query.py and _http.py):
//   GET  /status                      -> {"status": "ok", "engine": "7" | "5"}
//   POST /                            a query {"query": "<graphql>"} or a batch
//                                     {"batch": [{"query": ...}, ...], "transaction": true}
//   POST /transaction/start           {"max_wait", "timeout"} -> {"id": ...}
//   POST /transaction/{id}/commit | rollback
//   GET  /metrics?format=json|prometheus (body: global labels)
//   POST /debug/panic                 makes the engine panic, only with
//                                     QUERY_ENGINE_HOST_DEBUG_PANIC=1 (tests of the recovery)
// Queries inside a transaction carry the X-transaction-id header. Every answer is 200 with
// the engine's JSON (errors included, see errors.mjs), as the native engine's server does.
// Each query answer has a Server-Timing header: parse+translate, engine (wasm + driver),
// results (untagging) and total (the host's whole handling of the request), in ms.
import http from 'node:http'
import { EnginePanic, engineError, normaliseErrors, panicError, requestError, unknownTransaction } from './errors.mjs'
import { GraphQLSyntaxError, parseRequest } from './graphql.mjs'
import { graphqlResult } from './results.mjs'
import { TranslationError, translateRequest } from './translate.mjs'

const TRACE = '{}'

/** An engine call that panicked without trapping rejects with its user-facing error as JSON. */
function isPanicAnswer(error) {
  try {
    return JSON.parse(error?.message).is_panic === true
  } catch {
    return false
  }
}

class Timing {
  constructor() {
    this.started = performance.now()
    this.translate = 0
    this.engine = 0
    this.results = 0
  }

  header() {
    const total = performance.now() - this.started
    return `translate;dur=${this.translate.toFixed(3)}, engine;dur=${this.engine.toFixed(3)}, results;dur=${this.results.toFixed(3)}, total;dur=${total.toFixed(3)}`
  }
}

/**
 * The server for `host` (engine.mjs). Requests wait for `ready`; `index()` gives the schema
 * index (schema-index.mjs) once it is. `admission(req)` returns why an HTTP request is
 * refused (answered 403 and logged), or nothing (access.mjs).
 */
export function createServer({ ready, host, index, metrics, transactions, log, admission }) {
  function prepare(source, timing) {
    const started = performance.now()
    const request = parseRequest(source)
    const json = translateRequest(request, index())
    timing.translate += performance.now() - started
    return { alias: request.alias ?? request.name, action: json.action, json }
  }

  // The engine's answer to the JSON-protocol `request` (an object): engine 7 takes and
  // gives objects (engine7.mjs `queryValue`), the 5.17 engine JSON text.
  async function execute(request, txId, timing) {
    const started = performance.now()
    try {
      return await host.run(async (engine) => (engine.queryValue !== undefined ? await engine.queryValue(request, txId) : JSON.parse(await engine.query(JSON.stringify(request), TRACE, txId))))
    } finally {
      timing.engine += performance.now() - started
    }
  }

  // Concurrent findUnique requests (outside transactions) that arrive in the same turn of
  // the event loop go to the engine as one batch, as Prisma's Node client batches them:
  // the engine folds a batch of findUniques on one model with one selection into a single
  // query (WHERE id IN (...)), so 50 callers cost one round trip instead of 50.
  const batcher = {
    groups: new Map(),
    scheduled: false,
    add(item, timing) {
      const where = item.json.query.arguments?.where
      const key = `${item.json.modelName}|${JSON.stringify(item.json.query.selection)}|${where && typeof where === 'object' ? Object.keys(where).sort().join(',') : ''}`
      let group = this.groups.get(key)
      if (group === undefined) this.groups.set(key, (group = []))
      const promise = new Promise((resolve, reject) => group.push({ item, timing, resolve, reject }))
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(() => this.flush())
      }
      return promise
    },
    flush() {
      this.scheduled = false
      const groups = [...this.groups.values()]
      this.groups.clear()
      for (const group of groups) runGroup(group)
    },
  }

  async function runGroup(group) {
    try {
      if (group.length === 1) {
        const [{ item, timing, resolve }] = group
        const response = normaliseErrors(await execute(item.json, undefined, timing), host)
        resolve(graphqlResult(response, item.alias, item.action))
        return
      }
      const started = performance.now()
      const answer = await execute({ batch: group.map((g) => g.item.json) }, undefined, { engine: 0 })
      const elapsed = performance.now() - started
      const response = normaliseErrors(answer, host)
      group.forEach((g, i) => {
        g.timing.engine += elapsed
        if (!Array.isArray(response.batchResult)) return g.resolve(response)
        g.resolve(graphqlResult(normaliseErrors(response.batchResult[i], host), g.item.alias, g.item.action))
      })
    } catch (error) {
      for (const g of group) g.reject(error)
    }
  }

  async function handleQuery(payload, txId, timing) {
    if (txId !== undefined && !transactions.has(txId)) return unknownTransaction(txId)
    if (Array.isArray(payload.batch)) {
      const prepared = payload.batch.map((item) => prepare(item.query, timing))
      const body = { batch: prepared.map((p) => p.json) }
      if (payload.transaction) body.transaction = typeof payload.transaction === 'object' ? payload.transaction : {}
      const response = normaliseErrors(await execute(body, txId, timing), host)
      if (!Array.isArray(response.batchResult)) return response
      const started = performance.now()
      const batchResult = response.batchResult.map((item, i) => graphqlResult(normaliseErrors(item, host), prepared[i].alias, prepared[i].action))
      timing.results += performance.now() - started
      return { batchResult }
    }
    if (typeof payload.query !== 'string') return requestError('the request has no query')
    const { alias, action, json } = prepare(payload.query, timing)
    if (txId === undefined && action === 'findUnique') return await batcher.add({ alias, action, json }, timing)
    const response = normaliseErrors(await execute(json, txId, timing), host)
    const started = performance.now()
    const result = graphqlResult(response, alias, action)
    timing.results += performance.now() - started
    return result
  }

  async function route(req, body, timing) {
    const path = req.url.split('?', 1)[0]
    if (req.method === 'POST' && path === '/') {
      const txId = req.headers['x-transaction-id']
      let payload
      try {
        payload = JSON.parse(body)
      } catch (error) {
        return { json: requestError(`the request is not JSON: ${error.message}`) }
      }
      return { json: await metrics.track(() => handleQuery(payload, txId, timing), timing), timing }
    }
    // `engine`: which query engine answers (main.mjs, DOMAINLAYER_QUERY_ENGINE)
    if (req.method === 'GET' && path === '/status') return { json: { status: 'ok', engine: host.engineVersion } }
    if (req.method === 'GET' && path === '/metrics') {
      const labels = body ? JSON.parse(body) : {}
      const format = new URL(req.url, 'http://engine').searchParams.get('format')
      if (format === 'prometheus') return { text: metrics.prometheus(labels) }
      return { json: metrics.json(labels) }
    }
    const parts = path.split('/').filter(Boolean)
    if (req.method === 'POST' && parts[0] === 'transaction') {
      if (parts[1] === 'start' && parts.length === 2) {
        const response = await transactions.start(body, (options) => host.run((engine) => engine.startTransaction(options, TRACE)))
        return { json: normaliseErrors(response, host) }
      }
      if (parts.length === 3 && (parts[2] === 'commit' || parts[2] === 'rollback')) {
        const id = decodeURIComponent(parts[1])
        if (!transactions.has(id)) return { json: unknownTransaction(id) }
        try {
          const raw = await host.run((engine) => (parts[2] === 'commit' ? engine.commitTransaction(id, TRACE) : engine.rollbackTransaction(id, TRACE)))
          return { json: normaliseErrors(JSON.parse(raw || '{}'), host) }
        } finally {
          transactions.close(id)
        }
      }
    }
    if (req.method === 'POST' && path === '/debug/panic' && process.env.QUERY_ENGINE_HOST_DEBUG_PANIC === '1') {
      await host.debugPanic()
      return { json: { status: 'ok' } }
    }
    return { status: 404, json: engineError(`no route ${req.method} ${path}`, null) }
  }

  /**
   * One request, whatever carried it: `{method, url, headers, body}` -> `{status, text,
   * contentType, timing}`. Both the HTTP server and the private channel (channel.mjs) use it.
   */
  async function handle(req, body) {
    let reply
    let timing
    try {
      await ready
      timing = new Timing()
      reply = await route(req, body, timing)
    } catch (error) {
      // A request the host could not parse or translate, or an engine failure: answered
      // in the engine's error shape (the client raises its typed error), never a crash.
      if (error instanceof EnginePanic) {
        transactions.clear()
        reply = { json: panicError(error) }
      } else if (isPanicAnswer(error)) {
        reply = { json: panicError(JSON.parse(error.message).message) }
      } else {
        if (!(error instanceof SyntaxError || error instanceof GraphQLSyntaxError || error instanceof TranslationError)) {
          log(`request failed: ${error?.stack ?? error}`)
        }
        reply = { json: requestError(error) }
      }
    }
    return {
      status: reply.status ?? 200,
      text: reply.text ?? JSON.stringify(reply.json),
      contentType: reply.text === undefined ? 'application/json' : 'text/plain; version=0.0.4',
      timing: reply.timing,
    }
  }

  async function respond(req, res, body) {
    const reply = await handle(req, body)
    const headers = { 'content-type': reply.contentType, 'content-length': Buffer.byteLength(reply.text) }
    if (reply.timing) headers['server-timing'] = reply.timing.header()
    res.writeHead(reply.status, headers)
    res.end(reply.text)
  }

  const server = http.createServer((req, res) => {
    const refusal = admission?.(req)
    if (refusal) {
      log(`refused ${req.method} ${req.url} from ${req.socket.remoteAddress}:${req.socket.remotePort}: ${refusal}`)
      req.resume()
      res.writeHead(403, { 'content-type': 'application/json', connection: 'close' })
      res.end(JSON.stringify(engineError(`forbidden: ${refusal}`, null)))
      return
    }
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk) => {
      body += chunk
    })
    req.on('end', () => respond(req, res, body))
  })
  server.keepAliveTimeout = 60_000
  server.headersTimeout = 65_000
  server.handle = handle
  return server
}
