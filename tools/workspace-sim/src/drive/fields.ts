// Partial responses: the `fields` mask grammar shared by Google APIs ("a,b(c,d(e)),f/g", "*").

export type Mask = Map<string, Mask | true>;

export class FieldMaskError extends Error {}

export function parseFieldMask(raw: string): Mask {
  let pos = 0;
  const s = raw.replace(/\s+/g, "");
  function list(): Mask {
    const mask: Mask = new Map();
    for (;;) {
      const start = pos;
      while (pos < s.length && /[A-Za-z0-9_*]/.test(s[pos]!)) pos++;
      if (pos === start) throw new FieldMaskError(`Invalid field selection at ${pos}`);
      const name = s.slice(start, pos);
      let sub: Mask | true = true;
      if (s[pos] === "/") {
        pos++;
        sub = list1();
      } else if (s[pos] === "(") {
        pos++;
        sub = list();
        if (s[pos] !== ")") throw new FieldMaskError("Invalid field selection: missing )");
        pos++;
      }
      merge(mask, name, sub);
      if (s[pos] === ",") {
        pos++;
        continue;
      }
      return mask;
    }
  }
  // a/b/c: one path
  function list1(): Mask {
    const start = pos;
    while (pos < s.length && /[A-Za-z0-9_*]/.test(s[pos]!)) pos++;
    if (pos === start) throw new FieldMaskError("Invalid field selection");
    const name = s.slice(start, pos);
    const mask: Mask = new Map();
    if (s[pos] === "/") {
      pos++;
      mask.set(name, list1());
    } else if (s[pos] === "(") {
      pos++;
      mask.set(name, list());
      if (s[pos] !== ")") throw new FieldMaskError("Invalid field selection: missing )");
      pos++;
    } else mask.set(name, true);
    return mask;
  }
  const mask = list();
  if (pos !== s.length) throw new FieldMaskError(`Invalid field selection at ${pos}`);
  return mask;
}

function merge(mask: Mask, name: string, sub: Mask | true): void {
  const prior = mask.get(name);
  if (prior === true || sub === true) mask.set(name, true);
  else if (prior) for (const [k, v] of sub) merge(prior, k, v);
  else mask.set(name, sub);
}

/** Keeps only the masked fields (arrays apply the mask to each element). */
export function applyMask(value: unknown, mask: Mask | true): unknown {
  if (mask === true || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => applyMask(v, mask));
  if (mask.get("*") === true) return value;
  const out: Record<string, unknown> = {};
  for (const [k, sub] of mask) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = applyMask(v, sub);
  }
  return out;
}

/** Field names used in a mask that are not in `known` (per level), for 400 "Invalid field selection". */
export function unknownFields(
  mask: Mask,
  known: (path: string[]) => Set<string> | undefined,
  path: string[] = [],
): string[] {
  const allowed = known(path);
  const bad: string[] = [];
  for (const [k, sub] of mask) {
    if (k === "*") continue;
    if (allowed && !allowed.has(k)) bad.push(k);
    else if (sub !== true) bad.push(...unknownFields(sub, known, [...path, k]));
  }
  return bad;
}
