// Thread ids are UUIDs. Malformed ones are refused with Codex's message shape
// (`invalid thread id: <what the UUID parser found>`), before any file or row is touched.

import { invalidInput } from '../errors.ts';

const GROUP_LENGTHS = [8, 4, 4, 4, 12];

/** Why `text` is not a UUID, or null when it is one. */
export function uuidProblem(text: string): string | null {
  const body = text.toLowerCase().startsWith('urn:uuid:') ? text.slice('urn:uuid:'.length) : text;
  const offset = text.length - body.length;
  for (let i = 0; i < body.length; i++) {
    if (!/[0-9a-fA-F-]/.test(body[i])) {
      return `invalid character: expected an optional prefix of \`urn:uuid:\` followed by [0-9a-fA-F-], found \`${body[i]}\` at ${offset + i + 1}`;
    }
  }
  if (!body.includes('-')) {
    return body.length === 32 ? null : `invalid length: expected length 32 for simple format, found ${body.length}`;
  }
  const groups = body.split('-');
  if (groups.length !== 5) return `invalid group count: expected 5, found ${groups.length}`;
  for (let g = 0; g < 5; g++) {
    if (groups[g].length !== GROUP_LENGTHS[g]) {
      return `invalid group length in group ${g}: expected ${GROUP_LENGTHS[g]}, found ${groups[g].length}`;
    }
  }
  return null;
}

/**
 * The canonical (lower-case, hyphenated) form of a client's thread id, or an invalidInput error.
 * Codex names the id a `session id` in the errors of the methods that load a thread (resume, fork).
 */
export function parseThreadId(text: string, noun: 'thread' | 'session' = 'thread'): string {
  const problem = uuidProblem(text);
  if (problem !== null) throw invalidInput(`invalid ${noun} id: ${problem}`);
  const body = text.toLowerCase().replace(/^urn:uuid:/, '');
  const hex = body.replace(/-/g, '');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
