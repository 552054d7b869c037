// Explains why a value does not match a schema, in the words serde uses in Codex's -32600
// messages: `missing field `x``, `unknown variant `v`, expected one of …`, `invalid type: …,
// expected …`. Walks the plain JSON Schema (TypeBox schemas are plain JSON Schema objects), in
// the value's key order, and reports the first problem, like serde does.

type Schema = Record<string, unknown>;
type Path = (string | number)[];

function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : (out === '' ? seg : `.${seg}`);
  return out;
}

/** serde's description of a JSON value: `integer `5``, `string "x"`, `map`, … */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'sequence';
  switch (typeof value) {
    case 'string': return `string ${JSON.stringify(value)}`;
    case 'boolean': return `boolean \`${value}\``;
    case 'number': return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
    case 'object': return 'map';
    default: return typeof value;
  }
}

function describeSchema(schema: Schema): string {
  if (Array.isArray(schema.anyOf)) {
    const parts = (schema.anyOf as Schema[]).filter((s) => s.type !== 'null').map(describeSchema);
    return [...new Set(parts)].join(' or ');
  }
  if (Array.isArray(schema.enum) || 'const' in schema) return 'a string';
  switch (schema.type) {
    case 'string': return 'a string';
    case 'integer': return 'an integer';
    case 'number': return 'a number';
    case 'boolean': return 'a boolean';
    case 'array': return 'a sequence';
    case 'object': return 'a map';
    case 'null': return 'null';
    default: return 'a value';
  }
}

function typeError(value: unknown, schema: Schema, path: Path): string {
  const at = path.length > 0 ? ` at \`${formatPath(path)}\`` : '';
  return `invalid type: ${describeValue(value)}, expected ${describeSchema(schema)}${at}`;
}

function unknownVariant(value: string, allowed: unknown[], path: Path): string {
  const list = allowed.map((v) => `\`${String(v)}\``).join(', ');
  // A top-level field keeps Codex's exact wording; deeper ones say where they are.
  const at = path.length > 1 ? ` at \`${formatPath(path)}\`` : '';
  return `unknown variant \`${value}\`, expected ${allowed.length === 1 ? list : `one of ${list}`}${at}`;
}

function missingField(name: string, parent: Path): string {
  const at = parent.length > 0 ? ` at \`${formatPath(parent)}\`` : '';
  return `missing field \`${name}\`${at}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Matches the JSON kind of a value against a schema's outer kind (used to pick a union branch). */
function sameKind(schema: Schema, value: unknown): boolean {
  if (Array.isArray(schema.enum) || typeof schema.const === 'string') return typeof value === 'string';
  switch (schema.type) {
    case 'string': return typeof value === 'string';
    case 'integer': case 'number': return typeof value === 'number';
    case 'boolean': return typeof value === 'boolean';
    case 'array': return Array.isArray(value);
    case 'object': return isPlainObject(value);
    default: return false;
  }
}

/** The `type` tag constants of a union whose every branch is an object tagged by `type`. */
function tagsOf(branches: Schema[]): string[] | null {
  const tags: string[] = [];
  for (const b of branches) {
    const tag = (b.properties as Record<string, Schema> | undefined)?.type?.const;
    if (b.type !== 'object' || typeof tag !== 'string') return null;
    tags.push(tag);
  }
  return tags;
}

function explainUnion(schema: Schema, value: unknown, path: Path): string | null {
  const branches = schema.anyOf as Schema[];
  if (value === null && branches.some((b) => b.type === 'null')) return null;
  const candidates = branches.filter((b) => b.type !== 'null');
  const tags = tagsOf(candidates);
  if (tags !== null) {
    if (!isPlainObject(value)) return typeError(value, schema, path);
    if (value.type === undefined) return missingField('type', path);
    if (typeof value.type !== 'string') return typeError(value.type, { type: 'string' }, [...path, 'type']);
    const index = tags.indexOf(value.type);
    if (index < 0) return unknownVariant(value.type, tags, [...path, 'type']);
    return explain(candidates[index], value, path);
  }
  if (candidates.length === 1) return explain(candidates[0], value, path);
  const results = candidates.map((b) => explain(b, value, path));
  if (results.some((r) => r === null)) return null;
  // A branch tagged with a different `type` than the value's does not apply.
  const tagOf = (b: Schema) => (b.properties as Record<string, Schema> | undefined)?.type?.const;
  const sameKindBranches = candidates.filter((b) => sameKind(b, value)
    && !(isPlainObject(value) && value.type !== undefined && tagOf(b) !== undefined && tagOf(b) !== value.type));
  const branchResults = sameKindBranches.map((b) => results[candidates.indexOf(b)]!);
  if (branchResults.length === 0) return typeError(value, schema, path);
  // A branch whose fields are present but wrong says more than one that lacks a field.
  const missing = branchResults.map((r) => /^missing field `([^`]+)`(.*)$/.exec(r));
  const wrong = branchResults.find((_, i) => missing[i] === null);
  if (wrong !== undefined) return wrong;
  // An untagged union of objects that each lack a field, e.g. `{rolloutPath} | {conversationId}`.
  if (missing.length > 1 && missing.every((m) => m !== null && m[2] === missing[0]![2])) {
    const names = [...new Set(missing.map((m) => `\`${m![1]}\``))];
    return `missing field ${names.join(' or ')}${missing[0]![2]}`;
  }
  return branchResults[0];
}

function explainObject(schema: Schema, value: unknown, path: Path): string | null {
  if (!isPlainObject(value)) return typeError(value, schema, path);
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const patterns = schema.patternProperties as Record<string, Schema> | undefined;
  const patternSchema = patterns ? Object.values(patterns)[0] : undefined;
  for (const [key, child] of Object.entries(value)) {
    const childSchema = Object.hasOwn(properties, key) ? properties[key] : patternSchema;
    if (childSchema === undefined || child === undefined) continue;
    const problem = explain(childSchema, child, [...path, key]);
    if (problem !== null) return problem;
  }
  for (const name of (schema.required ?? []) as string[]) {
    if (value[name] === undefined) return missingField(name, path);
  }
  return null;
}

/** Returns null when `value` matches `schema`, otherwise a serde-style description of the first problem. */
export function explain(schema: Schema, value: unknown, path: Path = []): string | null {
  if (Array.isArray(schema.anyOf)) return explainUnion(schema, value, path);
  if (Array.isArray(schema.enum)) {
    if (schema.enum.includes(value)) return null;
    return typeof value === 'string' ? unknownVariant(value, schema.enum, path) : typeError(value, schema, path);
  }
  if ('const' in schema) {
    if (value === schema.const) return null;
    return typeof value === 'string' ? unknownVariant(value, [schema.const], path) : typeError(value, schema, path);
  }
  switch (schema.type) {
    case 'string': return typeof value === 'string' ? null : typeError(value, schema, path);
    case 'integer': return Number.isInteger(value) ? null : typeError(value, schema, path);
    case 'number': return typeof value === 'number' ? null : typeError(value, schema, path);
    case 'boolean': return typeof value === 'boolean' ? null : typeError(value, schema, path);
    case 'null': return value === null ? null : typeError(value, schema, path);
    case 'array': {
      if (!Array.isArray(value)) return typeError(value, schema, path);
      const items = schema.items as Schema | undefined;
      if (items === undefined) return null;
      for (let i = 0; i < value.length; i++) {
        const problem = explain(items, value[i], [...path, i]);
        if (problem !== null) return problem;
      }
      return null;
    }
    case 'object': return explainObject(schema, value, path);
    default: return null;
  }
}
