// Field-by-field comparison of JSON values, reporting each difference with its path.

/** `ignore` sees each path with both values, so it can accept a value by what it is (a time of this run). */
export function differences(want: unknown, got: unknown, path: string, ignore: (path: string, want?: unknown, got?: unknown) => boolean): string[] {
  if (ignore(path, want, got)) return [];
  if (Array.isArray(want)) {
    if (!Array.isArray(got)) return [`${path || '<root>'}: expected an array, got ${JSON.stringify(got)?.slice(0, 200)}`];
    const out: string[] = [];
    if (want.length !== got.length) out.push(`${path}: expected ${want.length} entries, got ${got.length}`);
    for (let i = 0; i < Math.min(want.length, got.length); i++) out.push(...differences(want[i], got[i], `${path}[${i}]`, ignore));
    return out;
  }
  if (want !== null && typeof want === 'object') {
    if (got === null || typeof got !== 'object' || Array.isArray(got)) return [`${path || '<root>'}: expected an object, got ${JSON.stringify(got)?.slice(0, 200)}`];
    const out: string[] = [];
    const w = want as Record<string, unknown>;
    const g = got as Record<string, unknown>;
    for (const key of Object.keys(w)) {
      const sub = path ? `${path}.${key}` : key;
      if (!(key in g)) {
        if (!ignore(sub)) out.push(`${sub}: missing`);
        continue;
      }
      out.push(...differences(w[key], g[key], sub, ignore));
    }
    return out;
  }
  return Object.is(want, got) ? [] : [`${path}: expected ${JSON.stringify(want)?.slice(0, 120)}, got ${JSON.stringify(got)?.slice(0, 120)}`];
}
