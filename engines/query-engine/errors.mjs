// Errors in the shape the native engine's HTTP server answers with, which Prisma Client
// Python turns into its exception types (prisma/engine/utils.py handle_response_errors):
//
//   {"errors": [{"error": "<text>", "user_facing_error": {"is_panic", "message", "meta", "error_code"}}]}
//
// The wasm engine answers transaction calls with a bare user-facing error, and reports
// errors thrown by the driver adapter as `GenericJs` ids: both are put in that shape here.

/** An error answer with a Prisma error code (`code` may be null for an unknown error). */
export function engineError(message, code, meta = {}, error = message) {
  const userFacing = { is_panic: false, message, meta, error_code: code }
  if (code === null) delete userFacing.error_code
  return { errors: [{ error, user_facing_error: userFacing }] }
}

/** The wasm engine panics on transaction ids it never issued, so the host answers these. */
export function unknownTransaction(id) {
  const error = `Transaction not found. Transaction ID is invalid, refers to an old closed transaction Prisma doesn't have information about anymore, or was obtained before disconnecting.`
  return engineError(`Transaction API error: ${error}`, 'P2028', { error, id }, error)
}

/** The 5.17 engine panicked during a call (engine.mjs replaces it). */
export class EnginePanic extends Error {}

/** `max_wait` passed before a connection was free for a new transaction. */
export class MaxWaitExceeded extends Error {
  constructor(maxWait) {
    super(`Unable to start a transaction in the given time (max_wait ${maxWait} ms).`)
    this.maxWait = maxWait
  }
}

/** A request the host could not parse or translate; the client raises its DataError. */
export function requestError(error) {
  return engineError(String(error?.message ?? error), null, {})
}

/** The engine panicked on this request; the host restarts it (see engine.mjs). */
export function panicError(error) {
  const message = String(error?.message ?? error)
  return { errors: [{ error: message, user_facing_error: { is_panic: true, message, meta: {}, backtrace: null } }] }
}

// pg-pool's message when no connection was free within the pool timeout
const POOL_TIMEOUT = /timeout exceeded when trying to connect/i

// Driver error kinds (driver-adapter-utils) that mean the database, not the query, failed,
// with the native engine's codes for them.
const INFRASTRUCTURE_KINDS = {
  DatabaseNotReachable: ['P1001', "Can't reach database server"],
  AuthenticationFailed: ['P1000', 'Authentication failed against database server'],
  DatabaseDoesNotExist: ['P1003', 'Database does not exist'],
  SocketTimeout: ['P1008', 'Operations timed out'],
  ConnectionClosed: ['P1017', 'Server has closed the connection.'],
  TooManyConnections: ['P1001', "Can't reach database server: too many connections"],
}

export const isInfrastructureKind = (kind) => Object.hasOwn(INFRASTRUCTURE_KINDS, kind)

/** A JS error the driver adapter threw, as the native engine would have reported it. */
export function fromJsError(error, pool, kind) {
  if (kind !== undefined && INFRASTRUCTURE_KINDS[kind]) {
    const [code, text] = INFRASTRUCTURE_KINDS[kind]
    return { error: text, user_facing_error: { is_panic: false, message: text, meta: { kind }, error_code: code } }
  }
  if (error instanceof MaxWaitExceeded) {
    const text = 'Unable to start a transaction in the given time.'
    return { error: text, user_facing_error: { is_panic: false, message: `Transaction API error: ${text}`, meta: { error: text }, error_code: 'P2028' } }
  }
  const message = String(error?.message ?? error)
  if (POOL_TIMEOUT.test(message)) {
    const text = `Timed out fetching a new connection from the connection pool. More info: http://pris.ly/d/connection-pool (Current connection pool timeout: ${(pool?.options.connectionTimeoutMillis ?? 0) / 1000}, connection limit: ${pool?.options.max})`
    return { error: text, user_facing_error: { is_panic: false, message: text, meta: { connection_limit: pool?.options.max, timeout: (pool?.options.connectionTimeoutMillis ?? 0) / 1000 }, error_code: 'P2024' } }
  }
  if (/terminat|Connection terminated|ECONNRESET|server closed the connection/i.test(message)) {
    const text = `Server has closed the connection: ${message}`
    return { error: text, user_facing_error: { is_panic: false, message: text, meta: {}, error_code: 'P1017' } }
  }
  // e.g. the database went away: P1001 as the native engine says when it cannot reach it
  const text = `Can't reach database server: ${message}`
  return { error: text, user_facing_error: { is_panic: false, message: text, meta: {}, error_code: 'P1001' } }
}

function genericJsId(error) {
  // P2036 "Error in external connector (id N)": N is the adapter's error registry id
  const userFacing = error?.user_facing_error
  if (userFacing?.error_code === 'P2036' && Number.isInteger(userFacing.meta?.id)) return userFacing.meta.id
  return undefined
}

/**
 * The engine's answer in the native HTTP shape: bare user-facing errors wrapped, adapter
 * (JS) errors replaced by the error the native engine gives for the same failure.
 */
export function normaliseErrors(response, engineHost) {
  if (response === null || typeof response !== 'object') return response
  if (response.errors === undefined && ('error_code' in response || 'is_panic' in response)) {
    response = { errors: [{ error: response.meta?.error ?? response.message, user_facing_error: response }] }
  }
  if (Array.isArray(response.errors)) {
    response.errors = response.errors.map((error) => {
      // a raw query whose connection the server closed (SQLSTATE classes 08 and 57P) is an
      // infrastructure failure, as on the Prisma 7 engine, not an error of the query
      const meta = error?.user_facing_error?.meta
      if (error?.user_facing_error?.error_code === 'P2010' && /^(08|57P)/.test(String(meta?.code ?? ''))) {
        return fromJsError(new Error(meta.message ?? 'terminating connection'), engineHost.pool, 'ConnectionClosed')
      }
      const id = genericJsId(error)
      if (id === undefined) return error
      const jsError = engineHost.consumeJsError(id)
      return jsError === undefined ? error : fromJsError(jsError, engineHost.pool)
    })
  }
  return response
}
