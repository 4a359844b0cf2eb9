// PostgreSQL's internal catalog types (`name`, `"char"`, `regproc`, ...) that Prisma's
// driver adapters refuse ("Column type 'name' could not be deserialized"). Their text form
// is what Prisma's native engines read, so a pg client class can report them as text;
// each engine host decides what to do per column (see pg-adapter.mjs, query-engine).
import pg from 'pg'

export const TEXT_OID = 25
export const TEXT_ARRAY_OID = 1009
export const CHAR_OID = 18
// name, int2vector, regproc, oidvector, pg_node_tree, regclass, regtype
export const CATALOG_SCALARS = new Set([19, 22, 24, 30, 194, 2205, 2206])
// _char, _name, _int2vector, _regproc, _oidvector, _regclass, _regtype
export const CATALOG_ARRAYS = new Set([1002, 1003, 1006, 1008, 1013, 2210, 2211])

/** Catalog scalars and arrays reported as text; `onChar(field)` decides for `"char"`. */
export function reportCatalogTypesAsText(result, onChar) {
  for (const res of Array.isArray(result) ? result : [result]) {
    for (const field of res?.fields ?? []) {
      if (field.dataTypeID === CHAR_OID) onChar(field)
      else if (CATALOG_SCALARS.has(field.dataTypeID)) field.dataTypeID = TEXT_OID
      else if (CATALOG_ARRAYS.has(field.dataTypeID)) field.dataTypeID = TEXT_ARRAY_OID
    }
  }
  return result
}

/** A pg.Client class whose results pass through `rewrite` (both callback and promise forms). */
export function clientRewritingResults(rewrite) {
  return class RewritingClient extends pg.Client {
    query(config, values, callback) {
      if (typeof values === 'function') {
        callback = values
        values = undefined
      }
      if (typeof callback === 'function') {
        return super.query(config, values, (err, res) => callback(err, err ? res : rewrite(res)))
      }
      const pending = super.query(config, values)
      return typeof pending?.then === 'function' ? pending.then(rewrite) : pending
    }
  }
}
