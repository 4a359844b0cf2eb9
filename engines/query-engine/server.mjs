// The HTTP surface Prisma Client Python talks to (its engine/_query.py and _http.py):
//   GET  /status                     -> {"status": "ok"}
//   POST /                           a query or {"batch": [...], "transaction": true}
//   POST /transaction/start          -> {"id": ...}
//   POST /transaction/{id}/commit | rollback
//   GET  /metrics?format=json|prometheus
// Queries inside a transaction carry the X-transaction-id header.
import http from 'node:http'
import { parseRequest } from './graphql.mjs'
import { translateRequest, translateResponse } from './translate.mjs'

const TRACE = '{}'

/** An error in the engine's own response shape, so the client maps it to its exceptions. */
export function engineError(message, code, meta = {}) {
  return { errors: [{ error: message, user_facing_error: { is_panic: false, message, meta, error_code: code } }] }
}

function unknownTransaction(id) {
  const message = `Transaction API error: Transaction not found. Transaction ID is invalid, refers to an old closed transaction Prisma doesn't have information about anymore, or was obtained before disconnecting.`
  return engineError(message, 'P2028', { error: message, id })
}

export function createServer({ engine, index, metrics, log }) {
  // Transactions this engine started and has not yet closed. The wasm engine panics (and
  // is lost) on an id it never issued, so unknown ids are refused here.
  const transactions = new Set()

  async function runOne(source, txId) {
    const translating = performance.now()
    const request = parseRequest(source)
    const body = JSON.stringify(translateRequest(request, index))
    const querying = performance.now()
    const raw = await engine.query(body, TRACE, txId)
    const answering = performance.now()
    const response = translateResponse(JSON.parse(raw), request.alias ?? request.name)
    metrics.translation(querying - translating + (performance.now() - answering))
    metrics.engine(answering - querying)
    return response
  }

  async function handleQuery(payload, txId) {
    if (txId !== undefined && !transactions.has(txId)) return unknownTransaction(txId)
    if (Array.isArray(payload.batch)) {
      const queries = payload.batch.map((item) => {
        const request = parseRequest(item.query)
        return { request, json: translateRequest(request, index) }
      })
      const body = JSON.stringify({ batch: queries.map((q) => q.json), transaction: payload.transaction ? {} : undefined })
      const response = JSON.parse(await engine.query(body, TRACE, txId))
      if (response.batchResult === undefined) return response
      return {
        batchResult: response.batchResult.map((item, i) => translateResponse(item, queries[i].request.alias ?? queries[i].request.name)),
      }
    }
    return runOne(payload.query, txId)
  }

  async function route(req, body) {
    const url = new URL(req.url, 'http://engine')
    const parts = url.pathname.split('/').filter(Boolean)
    if (req.method === 'GET' && url.pathname === '/status') return { status: 200, json: { status: 'ok' } }
    if (req.method === 'GET' && url.pathname === '/metrics') {
      const labels = body ? JSON.parse(body) : {}
      if (url.searchParams.get('format') === 'prometheus') return { status: 200, text: metrics.prometheus(labels) }
      return { status: 200, json: metrics.json(labels) }
    }
    if (req.method !== 'POST') return { status: 404, json: engineError(`no route ${req.method} ${url.pathname}`, 'P1000') }
    if (url.pathname === '/') {
      const txId = req.headers['x-transaction-id']
      return { status: 200, json: await metrics.track(() => handleQuery(JSON.parse(body), txId)) }
    }
    if (parts[0] === 'transaction' && parts[1] === 'start' && parts.length === 2) {
      const response = JSON.parse(await engine.startTransaction(body || '{}', TRACE))
      if (typeof response.id === 'string') transactions.add(response.id)
      return { status: 200, json: response }
    }
    if (parts[0] === 'transaction' && parts.length === 3 && (parts[2] === 'commit' || parts[2] === 'rollback')) {
      const id = decodeURIComponent(parts[1])
      if (!transactions.has(id)) return { status: 200, json: unknownTransaction(id) }
      const raw = parts[2] === 'commit' ? await engine.commitTransaction(id, TRACE) : await engine.rollbackTransaction(id, TRACE)
      transactions.delete(id)
      return { status: 200, json: JSON.parse(raw || '{}') }
    }
    return { status: 404, json: engineError(`no route ${req.method} ${url.pathname}`, 'P1000') }
  }

  return http.createServer((req, res) => {
    const chunks = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', async () => {
      let reply
      try {
        reply = await route(req, Buffer.concat(chunks).toString('utf8'))
      } catch (error) {
        // A request the host could not translate, or an engine failure: answered in the
        // engine's error shape (the client raises its typed error), never a crash.
        log(`request failed: ${error?.stack ?? error}`)
        reply = { status: 200, json: engineError(String(error?.message ?? error), 'P2009', { kind: 'QueryTranslation' }) }
      }
      const text = reply.text ?? JSON.stringify(reply.json)
      res.writeHead(reply.status, { 'content-type': reply.text ? 'text/plain' : 'application/json' })
      res.end(text)
    })
  })
}
