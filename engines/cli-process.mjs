// Loaded by prisma.config.ts inside the Prisma CLI process, before any engine runs.
//
// The WebAssembly schema engine implements its timeouts (10 s for the migration advisory
// lock, for instance) with plain `setTimeout` calls that it never clears, and the CLI does
// not call `process.exit` after a successful command: every `migrate` command would wait
// out those timers after its work is done. Long timers are therefore unreferenced: they
// still fire while the CLI has work in flight (an open socket keeps the process alive),
// but they no longer keep a finished command from exiting.
const LONG_TIMER_MS = 5000
const installed = Symbol.for('domainlayer.unrefLongTimers')

if (!globalThis[installed]) {
  globalThis[installed] = true
  const schedule = globalThis.setTimeout
  globalThis.setTimeout = function setTimeoutUnrefLong(callback, delay, ...args) {
    const timer = schedule(callback, delay, ...args)
    if (typeof delay === 'number' && delay >= LONG_TIMER_MS && typeof timer?.unref === 'function') {
      timer.unref()
    }
    return timer
  }
}
