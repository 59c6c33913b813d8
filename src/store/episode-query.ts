/**
 * The FTS5 query that finds past tasks like a request: its significant words (three letters or
 * more, common words left out), and at least two of them must match when it has two, so one shared
 * everyday word does not make two requests alike.
 */
const STOP_WORDS = new Set(
  (
    'the and for with that this from into then than when what which who whom all any are was were been being have has had ' +
    'not but can could should would will shall may might must our your their its out use using make please also just some ' +
    'each every about after before over under again more most very only own same other there here them they you how why ' +
    'where does did doing done get got via per new let need needs want wants task tasks step steps'
  ).split(' '),
);

/** At most this many words of a request take part (so the pair query stays small). */
const MAX_WORDS = 10;

export function significantWords(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? [];
  return [...new Set(words.filter((word) => !STOP_WORDS.has(word)))].slice(0, MAX_WORDS);
}

/** The MATCH expression for a request, or undefined when it has no significant word. */
export function matchQuery(request: string): string | undefined {
  const words = significantWords(request).map((word) => `"${word}"`);
  if (words.length === 0) return undefined;
  if (words.length === 1) return words[0];
  const pairs: string[] = [];
  for (let i = 0; i < words.length; i += 1) {
    for (let j = i + 1; j < words.length; j += 1) pairs.push(`(${words[i]} AND ${words[j]})`);
  }
  return pairs.join(' OR ');
}
