// The user's `thread/search` query → a safe FTS5 MATCH expression. Nothing the user types reaches
// FTS5 as syntax: every term is emitted as a double-quoted string, so operators (AND, OR, NOT,
// NEAR), column filters (`x:`), `^`, `-`, `+` and parentheses are plain text.
//
// Query language:
//   word            a term; several terms must all match (implicit AND)
//   foo*            prefix: any token starting with `foo`
//   "a b"           phrase: the tokens in this order, adjacent; `"a b"*` makes the last one a prefix
// An unterminated `"` runs to the end of the query. Terms without a letter or digit (`-`, `*`,
// `^`, `:`) are ignored; a query left with no term is an error, as is one over the length or term
// limits.

import { invalidInput } from '../errors.ts';

/** Where a page of hits starts: strictly after this (bm25 rank, document key); the search cursor holds it. */
export interface SearchAnchor {
  rank: number;
  key: number;
}

export const MAX_QUERY_CHARS = 1000;
export const MAX_QUERY_TERMS = 32;

export interface SearchTerm {
  text: string;
  prefix: boolean;
  phrase: boolean;
}

/** The characters unicode61 keeps inside tokens: a term without one of them matches nothing. */
const TOKEN_CHAR = /[\p{L}\p{N}\p{Co}]/u;
const CONTROL = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/** Splits a query into terms (see the header). Throws an invalidInput error for an unusable query. */
export function parseSearchTerms(input: string): SearchTerm[] {
  if (input.length > MAX_QUERY_CHARS) {
    throw invalidInput(`search query is too long: ${input.length} characters, at most ${MAX_QUERY_CHARS}`);
  }
  const text = input.replace(CONTROL, ' ');
  const terms: SearchTerm[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/u.test(c)) {
      i++;
      continue;
    }
    let body: string;
    let phrase = false;
    if (c === '"') {
      const close = text.indexOf('"', i + 1);
      const end = close === -1 ? text.length : close;
      body = text.slice(i + 1, end);
      phrase = true;
      i = close === -1 ? text.length : close + 1;
    } else {
      let end = i;
      while (end < text.length && text[end] !== '"' && !/\s/u.test(text[end])) end++;
      body = text.slice(i, end);
      i = end;
    }
    let prefix = false;
    if (phrase) {
      while (text[i] === '*') {
        prefix = true;
        i++;
      }
    } else {
      const trimmed = body.replace(/\*+$/, '');
      prefix = trimmed.length < body.length;
      body = trimmed;
    }
    if (!TOKEN_CHAR.test(body)) continue;
    terms.push({ text: body, prefix, phrase });
    if (terms.length > MAX_QUERY_TERMS) throw invalidInput(`search query has too many terms: at most ${MAX_QUERY_TERMS}`);
  }
  if (terms.length === 0) throw invalidInput('search query has no words to search for');
  return terms;
}

/** The FTS5 expression of a list of terms: each a quoted string, ANDed. */
export function toFtsExpression(terms: readonly SearchTerm[]): string {
  return terms.map((t) => `"${t.text.replace(/"/g, '""')}"${t.prefix ? '*' : ''}`).join(' ');
}

/**
 * Whether the matched items of a page's hits are found faster by seeking each hit in the index
 * than by walking every match: true for a query with a phrase of several tokens (checking a phrase
 * reads each match's positions) and no prefix term (a prefix is expanded again for every seek).
 * On the 10k bench home: "deploy bug" 3.5 -> 1.8 ms; `"test cache"*` would go 4.1 -> 11.5 ms.
 */
export function prefersSeeks(terms: readonly SearchTerm[]): boolean {
  const tokens = (t: SearchTerm) => t.text.split(/[^\p{L}\p{N}\p{Co}]+/u).filter((part) => part !== '').length;
  return !terms.some((t) => t.prefix) && terms.some((t) => t.phrase && tokens(t) > 1);
}

export function parseSearchQuery(input: string): string {
  return toFtsExpression(parseSearchTerms(input));
}
