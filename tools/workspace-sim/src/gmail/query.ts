// Gmail search syntax for messages.list `q`: from: to: cc: bcc: subject: label: in: is: has:
// newer_than: older_than: after: before:, bare words and "quoted phrases", OR, {a b} (any of), ( )
// (all of), - (not) and operator groups like from:(a OR b) / to:{a b}. OR binds tighter than the
// implicit AND, as in Gmail. after:/before: dates are midnight Pacific time (the API documents it).
import { zonedToUtc } from "../calendar/tz";
import type { Address, GmailMessage } from "./store";

export type GNode =
  | { k: "and" | "or"; items: GNode[] }
  | { k: "not"; inner: GNode }
  | { k: "term"; op: string | undefined; value: string; phrase: boolean };

type Tok =
  | { t: "word"; v: string }
  | { t: "phrase"; v: string }
  | { t: "op"; v: string } // "from:" etc. (value follows)
  | { t: "(" | ")" | "{" | "}" | "-" | "OR" | "AND" };

const OPERATORS = new Set([
  "from",
  "to",
  "cc",
  "bcc",
  "subject",
  "label",
  "in",
  "is",
  "has",
  "newer_than",
  "older_than",
  "after",
  "before",
  "newer",
  "older",
  "deliveredto",
  "list",
  "filename",
  "category",
  "rfc822msgid",
  "larger",
  "smaller",
]);

function tokenize(q: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "(" || c === ")" || c === "{" || c === "}") {
      out.push({ t: c });
      i++;
      continue;
    }
    if (c === "-" && i + 1 < q.length && !/\s/.test(q[i + 1]!)) {
      out.push({ t: "-" });
      i++;
      continue;
    }
    if (c === '"') {
      const end = q.indexOf('"', i + 1);
      const v = end < 0 ? q.slice(i + 1) : q.slice(i + 1, end);
      out.push({ t: "phrase", v });
      i = end < 0 ? q.length : end + 1;
      continue;
    }
    let w = "";
    while (i < q.length && !/[\s(){}"]/.test(q[i]!)) w += q[i++];
    const colon = w.indexOf(":");
    if (colon > 0 && OPERATORS.has(w.slice(0, colon).toLowerCase())) {
      out.push({ t: "op", v: w.slice(0, colon).toLowerCase() });
      const rest = w.slice(colon + 1);
      if (rest) out.push({ t: "word", v: rest });
    } else if (w === "OR" || w === "|") out.push({ t: "OR" });
    else if (w === "AND") out.push({ t: "AND" });
    else out.push({ t: "word", v: w });
  }
  return out;
}

export function parseGmailQuery(q: string): GNode {
  const toks = tokenize(q);
  let pos = 0;
  const peek = () => toks[pos];

  function andExpr(field: string | undefined, closer: ")" | undefined): GNode {
    const items: GNode[] = [];
    while (pos < toks.length && peek()!.t !== closer && peek()!.t !== "}") {
      if (peek()!.t === "AND") {
        pos++;
        continue;
      }
      if (peek()!.t === ")") {
        pos++; // unbalanced ")" is ignored, as Gmail does
        continue;
      }
      items.push(orExpr(field));
    }
    return items.length === 1 ? items[0]! : { k: "and", items };
  }
  function orExpr(field: string | undefined): GNode {
    const items = [unary(field)];
    while (peek()?.t === "OR") {
      pos++;
      if (pos >= toks.length) break;
      items.push(unary(field));
    }
    return items.length === 1 ? items[0]! : { k: "or", items };
  }
  function unary(field: string | undefined): GNode {
    if (peek()?.t === "-") {
      pos++;
      return { k: "not", inner: unary(field) };
    }
    return primary(field);
  }
  function primary(field: string | undefined): GNode {
    const tok = toks[pos++];
    if (!tok) return { k: "and", items: [] };
    switch (tok.t) {
      case "(": {
        const inner = andExpr(field, ")");
        if (peek()?.t === ")") pos++;
        return inner;
      }
      case "{": {
        const items: GNode[] = [];
        while (pos < toks.length && peek()!.t !== "}") {
          if (peek()!.t === "OR" || peek()!.t === "AND") {
            pos++;
            continue;
          }
          items.push(unary(field));
        }
        if (peek()?.t === "}") pos++;
        return { k: "or", items };
      }
      case "op": {
        const next = peek();
        if (!next) return { k: "term", op: undefined, value: `${tok.v}:`, phrase: false };
        if (next.t === "word" || next.t === "phrase") {
          pos++;
          return { k: "term", op: tok.v, value: next.v, phrase: next.t === "phrase" };
        }
        if (next.t === "(" || next.t === "{") return primary(tok.v);
        return { k: "term", op: undefined, value: `${tok.v}:`, phrase: false };
      }
      case "word":
      case "phrase":
        return { k: "term", op: field, value: tok.v, phrase: tok.t === "phrase" };
      default:
        return { k: "and", items: [] };
    }
  }
  return andExpr(undefined, undefined);
}

/** Labels a query names explicitly, which lets spam/trash results through. */
export function mentionsSpamTrash(node: GNode): boolean {
  if (node.k === "term") {
    const v = node.value.toLowerCase();
    return (node.op === "in" || node.op === "label") && (v === "spam" || v === "trash" || v === "anywhere");
  }
  if (node.k === "not") return false;
  return node.items.some(mentionsSpamTrash);
}

const addrText = (a: Address) => `${a.name ?? ""} <${a.email}>`.toLowerCase();

function matchAddresses(list: Address[], value: string, me: string): boolean {
  const v = value.toLowerCase() === "me" ? me : value.toLowerCase();
  return list.some((a) =>
    v.includes("@") ? a.email === v || addrText(a).includes(v) : addrText(a).includes(v),
  );
}

const PACIFIC = "America/Los_Angeles";

function parseDay(value: string): number | undefined {
  if (/^\d{9,}$/.test(value)) return Number(value) * 1000; // epoch seconds
  const m = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(value);
  if (!m) return undefined;
  return zonedToUtc(
    { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: 0, minute: 0, second: 0 },
    PACIFIC,
  );
}

function relativeMs(value: string): number | undefined {
  const m = /^(\d+)([dmy])$/i.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  return n * (unit === "d" ? 86_400_000 : unit === "m" ? 30 * 86_400_000 : 365 * 86_400_000);
}

const LABEL_ALIASES: Record<string, string> = {
  inbox: "INBOX",
  sent: "SENT",
  trash: "TRASH",
  spam: "SPAM",
  draft: "DRAFT",
  drafts: "DRAFT",
  starred: "STARRED",
  important: "IMPORTANT",
  unread: "UNREAD",
  chats: "CHAT",
};

export interface MatchContext {
  me: string;
  now: number;
  userLabelId(name: string): string | undefined;
}

export function matchesGmail(node: GNode, m: GmailMessage, ctx: MatchContext): boolean {
  switch (node.k) {
    case "and":
      return node.items.every((i) => matchesGmail(i, m, ctx));
    case "or":
      return node.items.some((i) => matchesGmail(i, m, ctx));
    case "not":
      return !matchesGmail(node.inner, m, ctx);
    case "term":
      return matchTerm(node, m, ctx);
  }
}

function matchTerm(node: Extract<GNode, { k: "term" }>, m: GmailMessage, ctx: MatchContext): boolean {
  const v = node.value;
  const lower = v.toLowerCase();
  switch (node.op) {
    case "from":
      return matchAddresses([m.from], v, ctx.me);
    case "to":
      return matchAddresses(m.to, v, ctx.me);
    case "cc":
      return matchAddresses(m.cc, v, ctx.me);
    case "bcc":
      return false;
    case "deliveredto":
      return lower === ctx.me;
    case "subject":
      return m.subject.toLowerCase().includes(lower);
    case "in":
    case "label": {
      if (lower === "anywhere") return true;
      const system = LABEL_ALIASES[lower] ?? (node.op === "label" ? v.toUpperCase() : undefined);
      if (system && m.labelIds.has(system)) return true;
      const userId = ctx.userLabelId(v.replace(/-/g, " ")) ?? ctx.userLabelId(v);
      return userId !== undefined && m.labelIds.has(userId);
    }
    case "is":
      if (lower === "read") return !m.labelIds.has("UNREAD");
      return m.labelIds.has(LABEL_ALIASES[lower] ?? lower.toUpperCase());
    case "has":
      return lower === "attachment" ? m.hasAttachment : false;
    case "newer_than":
    case "older_than": {
      const span = relativeMs(v);
      if (span === undefined) return false;
      return node.op === "newer_than" ? m.internalDate > ctx.now - span : m.internalDate < ctx.now - span;
    }
    case "after":
    case "newer":
    case "before":
    case "older": {
      const at = parseDay(v);
      if (at === undefined) return false;
      return node.op === "after" || node.op === "newer" ? m.internalDate >= at : m.internalDate < at;
    }
    case "rfc822msgid":
      return m.messageIdHeader.includes(v);
    case undefined: {
      const hay =
        `${m.subject}\n${m.body}\n${addrText(m.from)}\n${m.to.map(addrText).join(" ")}\n${m.cc.map(addrText).join(" ")}`.toLowerCase();
      if (node.phrase) return hay.includes(lower);
      return new RegExp(`(^|[^\\p{L}\\p{N}])${lower.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`, "u").test(hay);
    }
    default:
      return false;
  }
}
