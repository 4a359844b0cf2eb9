// Who may use the host's HTTP port (the stock Prisma Client Python path, `Prisma()` with
// its own engine class; domainlayer's client uses the private channel, channel.mjs).
//
// The port is on 127.0.0.1, which every local account can reach, and whatever reaches it
// can run raw SQL. So a request is served only when:
//   - the connecting socket belongs to the host's own OS user: Linux lists every TCP socket
//     with its owner's uid in /proc/net/tcp, and the peer's end of a loopback connection is
//     one of them (looked up once per connection, then remembered on the socket);
//   - its Host header names the loopback address (no DNS rebinding from a browser);
//   - a body, if any, is not declared as a form or text (a browser page can send those
//     cross-origin without asking): the client sends no Content-Type or application/json.
// Anything else is refused with 403 and logged (server.mjs).
import { readFileSync } from 'node:fs'

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/** The uid owning the loopback TCP socket whose local port is `port` and peer port `peerPort`. */
export function socketOwner(port, peerPort, tables = ['/proc/net/tcp', '/proc/net/tcp6']) {
  const local = port.toString(16).toUpperCase().padStart(4, '0')
  const remote = peerPort.toString(16).toUpperCase().padStart(4, '0')
  for (const table of tables) {
    let text
    try {
      text = readFileSync(table, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n')) {
      const fields = line.trim().split(/\s+/)
      if (fields.length < 8) continue
      if (fields[1].endsWith(`:${local}`) && fields[2].endsWith(`:${remote}`)) return Number(fields[7])
    }
  }
  return undefined
}

/** An `admission(req)` for server.mjs: the reason to refuse `req`, or undefined. */
export function sameUserOnly(uid = process.getuid()) {
  return (req) => {
    const socket = req.socket
    if (socket.ownerUid === undefined) socket.ownerUid = socketOwner(socket.remotePort, socket.localPort) ?? null
    if (socket.ownerUid !== uid) return `the connection belongs to uid ${socket.ownerUid ?? 'unknown'}, not to the host's user`
    const host = String(req.headers.host ?? '')
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':', 1)[0]
    if (!LOOPBACK_HOSTS.has(name.toLowerCase())) return `Host ${JSON.stringify(host)} is not the loopback address`
    const type = req.headers['content-type']
    if (type !== undefined && !/^application\/json\b/i.test(type)) return `Content-Type ${JSON.stringify(type)} is not application/json`
    return undefined
  }
}
