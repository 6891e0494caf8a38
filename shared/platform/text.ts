// Code-point-safe text cutting. Slicing a JavaScript string by UTF-16 units can split an emoji (a
// surrogate pair) in half, and a lone surrogate is not valid UTF-8: Firestore refuses to store it.

/** At most `max` UTF-16 units of `text`, never ending inside a surrogate pair. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.charCodeAt(max - 1);
  // A high surrogate as the last kept unit would lose its partner: keep one unit fewer.
  return text.slice(0, cut >= 0xd800 && cut <= 0xdbff ? max - 1 : max);
}

/** The first 1…`max` code points of `word`, each a prefix that ends on a whole character. */
export function codePointPrefixes(word: string, max: number): string[] {
  const chars = Array.from(word).slice(0, max);
  return chars.map((_, i) => chars.slice(0, i + 1).join(""));
}

/** The first `max` code points of `text`. */
export const firstCodePoints = (text: string, max: number): string => Array.from(text).slice(0, max).join("");
