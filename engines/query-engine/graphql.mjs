// Parser for the GraphQL subset Prisma Client Python sends (its `_builder.py`):
//
//   query { result: findManyUser(where: {id: "x"}, take: 10) { id posts { id } } }
//
// One operation with one root field; arguments are JSON values under unquoted keys (strings
// are JSON-encoded, enums arrive as strings), commas optional; selections nest with braces.
// The result is a plain tree: {operation, alias, name, args, selection} where selection maps
// a field name to `true` (a leaf) or to {args, selection} (a field with a sub-selection).

export class GraphQLSyntaxError extends Error {}

const PUNCTUATION = new Set(['{', '}', '(', ')', '[', ']', ':', ','])

const isNameStart = (c) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95
const isNamePart = (c) => isNameStart(c) || (c >= 48 && c <= 57)

function tokenize(source) {
  const tokens = []
  let i = 0
  while (i < source.length) {
    const ch = source[i]
    if (ch === ' ' || ch === '\n' || ch === '\t' || ch === '\r') {
      i++
    } else if (PUNCTUATION.has(ch)) {
      tokens.push({ kind: ch, at: i })
      i++
    } else if (ch === '"') {
      let j = i + 1
      while (j < source.length && source[j] !== '"') j += source[j] === '\\' ? 2 : 1
      if (j >= source.length) throw new GraphQLSyntaxError(`unterminated string at ${i}`)
      tokens.push({ kind: 'value', value: JSON.parse(source.slice(i, j + 1)), at: i })
      i = j + 1
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(source.slice(i, i + 64))
      if (!match) throw new GraphQLSyntaxError(`bad number at ${i}`)
      const text = match[0]
      const isInteger = match[1] === undefined && match[2] === undefined
      // Integers beyond 2^53 stay exact, tagged as the JSON protocol writes a BigInt; the
      // rest are numbers.
      const value = isInteger && !Number.isSafeInteger(Number(text)) ? { $type: 'BigInt', value: text } : Number(text)
      tokens.push({ kind: 'value', value, at: i })
      i += text.length
    } else {
      // a name, [A-Za-z_][A-Za-z0-9_]*, scanned by character code (no regex match objects or
      // substrings per token: most of a query's tokens are names)
      if (!isNameStart(source.charCodeAt(i))) throw new GraphQLSyntaxError(`unexpected character ${JSON.stringify(ch)} at ${i}`)
      let j = i + 1
      while (j < source.length && isNamePart(source.charCodeAt(j))) j++
      tokens.push({ kind: 'name', value: source.slice(i, j), at: i })
      i = j
    }
  }
  return tokens
}

class Parser {
  constructor(source) {
    this.tokens = tokenize(source)
    this.pos = 0
  }

  peek() {
    return this.tokens[this.pos]
  }

  next(kind) {
    const token = this.tokens[this.pos++]
    if (token === undefined) throw new GraphQLSyntaxError(`unexpected end, expected ${kind ?? 'a token'}`)
    if (kind !== undefined && token.kind !== kind) {
      throw new GraphQLSyntaxError(`expected ${kind} at ${token.at}, found ${token.kind} ${token.value ?? ''}`)
    }
    return token
  }

  skipCommas() {
    while (this.peek()?.kind === ',') this.pos++
  }

  document() {
    const operation = this.next('name').value
    if (operation !== 'query' && operation !== 'mutation') {
      throw new GraphQLSyntaxError(`unsupported operation ${operation}`)
    }
    this.next('{')
    const field = this.field()
    this.skipCommas()
    this.next('}')
    if (this.peek() !== undefined) throw new GraphQLSyntaxError('one root field expected')
    return { operation, ...field }
  }

  field() {
    let name = this.next('name').value
    let alias = null
    if (this.peek()?.kind === ':') {
      this.pos++
      alias = name
      name = this.next('name').value
    }
    const args = this.peek()?.kind === '(' ? this.arguments() : {}
    const selection = this.peek()?.kind === '{' ? this.selectionSet() : null
    return { alias, name, args, selection }
  }

  arguments() {
    this.next('(')
    return this.entries(')')
  }

  /** `key: value` pairs up to `close` (consumed). */
  entries(close) {
    const object = {}
    this.skipCommas()
    while (this.peek()?.kind !== close) {
      const key = this.next('name').value
      this.next(':')
      object[key] = this.value()
      this.skipCommas()
    }
    this.next(close)
    return object
  }

  selectionSet() {
    this.next('{')
    const selection = {}
    this.skipCommas()
    while (this.peek()?.kind !== '}') {
      const field = this.field()
      selection[field.name] = field.selection === null ? true : { args: field.args, selection: field.selection }
      this.skipCommas()
    }
    this.next('}')
    return selection
  }

  value() {
    const token = this.next()
    switch (token.kind) {
      case 'value':
        return token.value
      case 'name':
        if (token.value === 'true') return true
        if (token.value === 'false') return false
        if (token.value === 'null') return null
        return token.value // an enum literal
      case '[': {
        const items = []
        this.skipCommas()
        while (this.peek()?.kind !== ']') {
          items.push(this.value())
          this.skipCommas()
        }
        this.next(']')
        return items
      }
      case '{':
        return this.entries('}')
      default:
        throw new GraphQLSyntaxError(`unexpected ${token.kind} at ${token.at}`)
    }
  }
}

/** Parse one request of the client into {operation, alias, name, args, selection}. */
export function parseRequest(source) {
  return new Parser(source).document()
}
