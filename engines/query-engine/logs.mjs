// Log lines as the native engine prints them with RUST_LOG_FORMAT=json (the client sets
// it), one JSON object a line on stdout, which the client passes through to its own stdout:
//
//   {"timestamp": "...", "level": "INFO", "fields": {"query": "SELECT ...", "params": "[...]",
//    "duration_ms": 0, "result": "success", "item_type": "query", "is_query": true},
//    "target": "quaint::connector::metrics"}
//
// The wasm engine's log callback gives the same event flattened ({"level", "module_path",
// ...fields}); it is put back in the native shape here. The host's own messages use it too.

/** The native line for one event of the wasm engine (a JSON string). */
export function nativeLogLine(wasmLine) {
  let event
  try {
    event = JSON.parse(wasmLine)
  } catch {
    return JSON.stringify({ timestamp: new Date().toISOString(), level: 'INFO', fields: { message: String(wasmLine) }, target: 'query_engine' })
  }
  const { level = 'INFO', module_path: target = 'query_engine', ...fields } = event
  return JSON.stringify({ timestamp: new Date().toISOString(), level, fields, target })
}

/** A message of the host itself, at `level`, in the same shape (stderr for errors). */
export function hostLog(level, message) {
  const line = JSON.stringify({ timestamp: new Date().toISOString(), level, fields: { message }, target: 'query_engine_host' })
  ;(level === 'ERROR' ? process.stderr : process.stdout).write(`${line}\n`)
}
