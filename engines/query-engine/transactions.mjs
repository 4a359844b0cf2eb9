// Interactive transactions: the ids this engine issued, and the `max_wait` of each start.
//
// The wasm engine panics (and its instance is lost) on a transaction id it never issued,
// so the server checks ids against `Transactions` before the engine sees them. The engine
// build does not bound the wait for a connection either: `max_wait` values queue here in
// the order transactions are started, and the adapter takes them as it opens each one
// (engine.mjs).

const DEFAULT_MAX_WAIT_MS = 2000 // Prisma's default
const DEFAULT_TIMEOUT_MS = 5000

export class Transactions {
  constructor() {
    this.open = new Set()
    this.maxWaits = []
  }

  /** The options of a /transaction/start body, with Prisma's defaults. */
  static options(body) {
    const options = body ? JSON.parse(body) : {}
    return {
      max_wait: Number.isFinite(options.max_wait) ? options.max_wait : DEFAULT_MAX_WAIT_MS,
      timeout: Number.isFinite(options.timeout) ? options.timeout : DEFAULT_TIMEOUT_MS,
      ...(options.isolation_level === undefined ? {} : { isolation_level: options.isolation_level }),
    }
  }

  /** Start a transaction with `start(optionsJson)`, which resolves to the engine's answer. */
  async start(body, start) {
    const options = Transactions.options(body)
    const ticket = { maxWait: options.max_wait, taken: false }
    this.maxWaits.push(ticket)
    let response
    try {
      response = JSON.parse(await start(JSON.stringify(options)))
    } finally {
      // a start that failed before the adapter took its bound leaves it in the queue
      if (!ticket.taken) this.maxWaits.splice(this.maxWaits.indexOf(ticket), 1)
    }
    if (typeof response?.id === 'string') this.open.add(response.id)
    return response
  }

  /** The bound for the connection of the transaction being opened now (adapter side). */
  nextMaxWait() {
    const ticket = this.maxWaits.shift()
    if (ticket === undefined) return DEFAULT_MAX_WAIT_MS
    ticket.taken = true
    return ticket.maxWait
  }

  has(id) {
    return this.open.has(id)
  }

  close(id) {
    this.open.delete(id)
  }

  /** The engine was replaced: none of its transactions exists any more. */
  clear() {
    this.open.clear()
    this.maxWaits.length = 0
  }
}
