// JSON text in pieces: joined, the pieces are exactly JSON.stringify(value). Big answers (a
// thread/read of a 50 MB rollout) can then be written as they are produced instead of as one
// giant string plus one giant Buffer, which costs a lot of fresh memory and time.

/** Arrays and plain objects without toJSON are walked; everything else goes to JSON.stringify whole. */
function walkable(value: unknown): value is Record<string, unknown> | unknown[] {
  if (value === null || typeof value !== 'object') return false;
  if (JSON.isRawJSON(value)) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Yields the JSON text of `value` in pieces. Containers are walked down to `maxDepth` levels;
 * deeper subtrees (and any non-plain value) are stringified whole, so the pieces stay few.
 */
export function* jsonPieces(value: unknown, maxDepth = 6): Generator<string> {
  if (maxDepth <= 0 || !walkable(value)) {
    yield JSON.stringify(value) ?? 'null';
    return;
  }
  if (Array.isArray(value)) {
    yield '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) yield ',';
      yield* jsonPieces(value[i], maxDepth - 1);
    }
    yield ']';
    return;
  }
  yield '{';
  let first = true;
  for (const key of Object.keys(value)) {
    const v = value[key];
    const sep = first ? '' : ',';
    if (maxDepth > 1 && walkable(v)) {
      yield `${sep}${JSON.stringify(key)}:`;
      yield* jsonPieces(v, maxDepth - 1);
    } else {
      const text = JSON.stringify(v);
      // Members without a JSON form (undefined, functions, symbols) are left out, as JSON.stringify does.
      if (text === undefined) continue;
      yield `${sep}${JSON.stringify(key)}:${text}`;
    }
    first = false;
  }
  yield '}';
}

/** The pieces re-cut into strings of at least `size` characters (the last one may be shorter). */
export function* jsonChunks(value: unknown, size = 256 * 1024, maxDepth = 6): Generator<string> {
  let batch = '';
  for (const piece of jsonPieces(value, maxDepth)) {
    batch += piece;
    if (batch.length >= size) {
      yield batch;
      batch = '';
    }
  }
  if (batch !== '') yield batch;
}
