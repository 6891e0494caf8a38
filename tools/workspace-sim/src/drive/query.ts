// Drive's files.list `q` language: a tokenizer and a recursive-descent parser into an AST.
//   expr    := andExpr ('or' andExpr)*
//   andExpr := notExpr ('and' notExpr)*
//   notExpr := 'not' notExpr | '(' expr ')' | term
//   term    := STRING 'in' (owners|writers|readers|parents)
//            | FIELD OP value | sharedWithMe | starred | trashed        (bare booleans mean "= true")
// Strings are single-quoted; inside them \' and \\ are the only escapes. Anything else is
// 400 "Invalid Value", as Drive answers.

export type Op = "contains" | "=" | "!=" | "<" | "<=" | ">" | ">=";

export type Node =
  | { kind: "and" | "or"; left: Node; right: Node }
  | { kind: "not"; inner: Node }
  | { kind: "in"; value: string; collection: "owners" | "writers" | "readers" | "parents" }
  | { kind: "cmp"; field: string; op: Op; value: string | boolean };

export class QueryError extends Error {}

type Token =
  | { t: "str"; v: string }
  | { t: "word"; v: string }
  | { t: "op"; v: Op }
  | { t: "("; v: "(" }
  | { t: ")"; v: ")" };

export function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let v = "";
      i++;
      let closed = false;
      while (i < q.length) {
        const ch = q[i]!;
        if (ch === "\\") {
          const next = q[i + 1];
          if (next !== "'" && next !== "\\") throw new QueryError(`bad escape at ${i}`);
          v += next;
          i += 2;
        } else if (ch === "'") {
          closed = true;
          i++;
          break;
        } else {
          v += ch;
          i++;
        }
      }
      if (!closed) throw new QueryError("unterminated string");
      out.push({ t: "str", v });
    } else if (c === "(" || c === ")") {
      out.push({ t: c, v: c } as Token);
      i++;
    } else if (c === "!" && q[i + 1] === "=") {
      out.push({ t: "op", v: "!=" });
      i += 2;
    } else if (c === "<" || c === ">") {
      const op = (q[i + 1] === "=" ? `${c}=` : c) as Op;
      out.push({ t: "op", v: op });
      i += op.length;
    } else if (c === "=") {
      out.push({ t: "op", v: "=" });
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      let v = "";
      while (i < q.length && /[A-Za-z0-9_.]/.test(q[i]!)) v += q[i++];
      out.push({ t: "word", v });
    } else {
      throw new QueryError(`unexpected ${c} at ${i}`);
    }
  }
  return out;
}

const COLLECTIONS = new Set(["owners", "writers", "readers", "parents"]);
const BOOLEAN_FIELDS = new Set(["trashed", "starred", "sharedWithMe", "hidden"]);
const FIELD_OPS: Record<string, Op[]> = {
  name: ["contains", "=", "!="],
  fullText: ["contains"],
  mimeType: ["contains", "=", "!="],
  modifiedTime: ["<", "<=", "=", "!=", ">", ">="],
  createdTime: ["<", "<=", "=", "!=", ">", ">="],
  viewedByMeTime: ["<", "<=", "=", "!=", ">", ">="],
  sharedWithMeTime: ["<", "<=", "=", "!=", ">", ">="],
  visibility: ["=", "!="],
  trashed: ["=", "!="],
  starred: ["=", "!="],
  sharedWithMe: ["=", "!="],
  hidden: ["=", "!="],
};

export function parseQuery(q: string): Node {
  const tokens = tokenize(q);
  let pos = 0;
  const peek = () => tokens[pos];
  const isWord = (tok: Token | undefined, w: string) => tok?.t === "word" && tok.v.toLowerCase() === w;

  function expr(): Node {
    let left = andExpr();
    while (isWord(peek(), "or")) {
      pos++;
      left = { kind: "or", left, right: andExpr() };
    }
    return left;
  }
  function andExpr(): Node {
    let left = notExpr();
    while (isWord(peek(), "and")) {
      pos++;
      left = { kind: "and", left, right: notExpr() };
    }
    return left;
  }
  function notExpr(): Node {
    const tok = peek();
    if (isWord(tok, "not")) {
      pos++;
      return { kind: "not", inner: notExpr() };
    }
    if (tok?.t === "(") {
      pos++;
      const inner = expr();
      if (peek()?.t !== ")") throw new QueryError("missing )");
      pos++;
      return inner;
    }
    return term();
  }
  function term(): Node {
    const tok = peek();
    if (!tok) throw new QueryError("unexpected end of query");
    if (tok.t === "str") {
      pos++;
      if (!isWord(peek(), "in")) throw new QueryError("expected 'in'");
      pos++;
      const coll = peek();
      if (coll?.t !== "word" || !COLLECTIONS.has(coll.v))
        throw new QueryError("expected owners, writers, readers or parents");
      pos++;
      return { kind: "in", value: tok.v, collection: coll.v as "owners" | "writers" | "readers" | "parents" };
    }
    if (tok.t !== "word") throw new QueryError(`unexpected ${tok.v}`);
    const field = tok.v;
    pos++;
    const allowed = FIELD_OPS[field];
    if (!allowed) throw new QueryError(`unknown field ${field}`);
    const next = peek();
    const opWord = next?.t === "word" && next.v === "contains" ? "contains" : undefined;
    if (next?.t !== "op" && !opWord) {
      if (BOOLEAN_FIELDS.has(field)) return { kind: "cmp", field, op: "=", value: true };
      throw new QueryError(`expected an operator after ${field}`);
    }
    const op = (opWord ?? (next as { v: Op }).v) as Op;
    if (!allowed.includes(op)) throw new QueryError(`operator ${op} not allowed on ${field}`);
    pos++;
    const val = peek();
    if (!val) throw new QueryError("missing value");
    pos++;
    if (BOOLEAN_FIELDS.has(field)) {
      if (val.t !== "word" || (val.v !== "true" && val.v !== "false"))
        throw new QueryError(`${field} takes true or false`);
      return { kind: "cmp", field, op, value: val.v === "true" };
    }
    if (val.t !== "str") throw new QueryError(`${field} takes a quoted string`);
    if (FIELD_OPS[field]!.includes("<") && Number.isNaN(Date.parse(val.v)))
      throw new QueryError(`bad date ${val.v}`);
    return { kind: "cmp", field, op, value: val.v };
  }

  const node = expr();
  if (pos !== tokens.length) throw new QueryError(`unexpected ${tokens[pos]!.v}`);
  return node;
}

/** What a file looks like to the evaluator (the caller's view). */
export interface QueryFile {
  name: string;
  mimeType: string;
  description: string;
  owners: string[];
  writers: string[];
  readers: string[];
  parents: string[];
  trashed: boolean;
  starred: boolean;
  sharedWithMe: boolean;
  modifiedTime: number;
  createdTime: number;
  viewedByMeTime?: number;
  sharedWithMeTime?: number;
  visibility: string;
}

/** Drive's name `contains`: prefix match at the start of the name or of a word in it. */
function namePrefixMatch(name: string, needle: string): boolean {
  const n = name.toLowerCase();
  const v = needle.toLowerCase();
  for (let i = n.indexOf(v); i >= 0; i = n.indexOf(v, i + 1)) {
    if (i === 0 || !/[\p{L}\p{N}]/u.test(n[i - 1]!)) return true;
  }
  return false;
}

export function evaluate(node: Node, f: QueryFile, me: string): boolean {
  switch (node.kind) {
    case "and":
      return evaluate(node.left, f, me) && evaluate(node.right, f, me);
    case "or":
      return evaluate(node.left, f, me) || evaluate(node.right, f, me);
    case "not":
      return !evaluate(node.inner, f, me);
    case "in": {
      const who = node.value.toLowerCase() === "me" ? me : node.value.toLowerCase();
      return f[node.collection].includes(node.collection === "parents" ? node.value : who);
    }
    case "cmp": {
      const { field, op, value } = node;
      if (typeof value === "boolean") {
        const actual = f[field as "trashed" | "starred" | "sharedWithMe"] ?? false;
        return op === "=" ? actual === value : actual !== value;
      }
      if (field === "name") {
        if (op === "contains") return namePrefixMatch(f.name, value);
        return op === "=" ? f.name === value : f.name !== value;
      }
      if (field === "fullText")
        return `${f.name}\n${f.description}`.toLowerCase().includes(value.toLowerCase());
      if (field === "mimeType") {
        if (op === "contains") return f.mimeType.includes(value);
        return op === "=" ? f.mimeType === value : f.mimeType !== value;
      }
      if (field === "visibility") return op === "=" ? f.visibility === value : f.visibility !== value;
      const actual = f[field as "modifiedTime" | "createdTime" | "viewedByMeTime" | "sharedWithMeTime"];
      if (actual === undefined) return false;
      const v = Date.parse(value.includes("T") && !/Z|[+-]\d{2}:?\d{2}$/.test(value) ? `${value}Z` : value);
      switch (op) {
        case "<":
          return actual < v;
        case "<=":
          return actual <= v;
        case ">":
          return actual > v;
        case ">=":
          return actual >= v;
        case "=":
          return actual === v;
        case "!=":
          return actual !== v;
        default:
          return false;
      }
    }
  }
}
