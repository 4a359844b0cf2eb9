// The connection pool both engines run on, configured as Prisma reads the datasource URL.
// Kept apart from the engines so the host loads only the engine it runs.

// Server-side bounds every connection of the pool gets (URL parameters of the same names
// override them, in ms): no statement runs past `statement_timeout`, a transaction left
// idle (its client gone) is ended by the server after `idle_in_transaction_session_timeout`,
// and a backend whose client vanished stops its query within `client_connection_check_interval`
// instead of running it to the end while holding its locks.
const SESSION_DEFAULTS = {
  statement_timeout: 60_000,
  idle_in_transaction_session_timeout: 60_000,
  client_connection_check_interval: 1_000,
}

/**
 * A whole number of seconds from the URL parameter `key`, else `fallback` (0 = no limit);
 * the parameter is taken out of the URL (it is the pool's, not PostgreSQL's).
 */
function takeSeconds(parsed, key, fallback) {
  const given = parsed.searchParams.get(key)
  parsed.searchParams.delete(key)
  return given !== null && /^\d+$/.test(given) ? Number(given) : fallback
}

/**
 * Pool options as Prisma reads the URL: `connection_limit` (else 2 * CPUs + 1), `pool_timeout`,
 * and the native engine's connection lifetimes: an idle connection is closed after
 * `max_idle_connection_lifetime` seconds (300 by default, as quaint's pool; pg-pool's own
 * default of 10 s would close the pool's connections in every lull and make the next burst
 * connect again), any connection after `max_connection_lifetime` (no limit by default); 0 is
 * no limit for both. Each engine adds the pg client class it reads results with (`Client`).
 */
export function poolOptions(url, cpus) {
  const parsed = new URL(url)
  const limit = Number(parsed.searchParams.get('connection_limit') ?? '') || cpus * 2 + 1
  const poolTimeout = parsed.searchParams.get('pool_timeout')
  const session = {}
  for (const [key, fallback] of Object.entries(SESSION_DEFAULTS)) {
    const given = Number(parsed.searchParams.get(key) ?? '')
    session[key] = Number.isFinite(given) && parsed.searchParams.has(key) ? given : fallback
    parsed.searchParams.delete(key)
  }
  const idleSeconds = takeSeconds(parsed, 'max_idle_connection_lifetime', 300)
  const lifetimeSeconds = takeSeconds(parsed, 'max_connection_lifetime', 0)
  for (const key of ['connection_limit', 'pool_timeout', 'schema', 'pgbouncer', 'statement_cache_size', 'socket_timeout', 'connect_timeout']) {
    parsed.searchParams.delete(key)
  }
  return {
    connectionString: parsed.toString(),
    max: limit,
    // Prisma's default: 10 s to get a connection from the pool (0 = no limit)
    connectionTimeoutMillis: poolTimeout === null ? 10_000 : Number(poolTimeout) * 1000,
    idleTimeoutMillis: idleSeconds * 1000,
    maxLifetimeSeconds: lifetimeSeconds,
    statement_timeout: session.statement_timeout,
    idle_in_transaction_session_timeout: session.idle_in_transaction_session_timeout,
    options: `-c client_connection_check_interval=${session.client_connection_check_interval}`,
  }
}
