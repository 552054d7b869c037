// Dynamic tool specs from clients: validation with Codex's messages (docs/wire-protocol.md §4.3) and
// normalisation of the legacy flat form to the canonical tagged form. The flat row form the index
// stores is src/state/dynamic-tools.ts's.

import { invalidInput } from '../errors.ts';
import { normalizeDynamicTools } from '../rollout/extract.ts';
import type { DynamicToolSpec } from '../model/thread-metadata.ts';

const NAME_RE = /^[a-zA-Z0-9_-]+$/;
const MAX_NAME = 128;
const MAX_NAMESPACE = 64;
const MAX_NAMESPACE_DESCRIPTION = 1024;
const RESERVED_NAMESPACES = new Set(['functions', 'web', 'python', 'browser', 'container', 'multi_tool_use', 'image_gen', 'mcp']);

function checkToolName(name: string): void {
  if (name.trim() === '') throw invalidInput('dynamic tool name must not be empty');
  if (name !== name.trim()) throw invalidInput(`dynamic tool name must not have leading or trailing whitespace: ${name}`);
  if (name === 'mcp' || name.startsWith('mcp__')) throw invalidInput(`dynamic tool name is reserved: ${name}`);
  if (!NAME_RE.test(name)) throw invalidInput(`dynamic tool name must match ^[a-zA-Z0-9_-]+$ to match Responses API: ${name}`);
  if (name.length > MAX_NAME) throw invalidInput(`dynamic tool name must be at most ${MAX_NAME} characters: ${name}`);
}

function checkNamespaceName(name: string): void {
  if (name.trim() === '') throw invalidInput('dynamic tool namespace must not be empty');
  if (!NAME_RE.test(name)) throw invalidInput(`dynamic tool namespace must match ^[a-zA-Z0-9_-]+$ to match Responses API: ${name}`);
  if (name.length > MAX_NAMESPACE) throw invalidInput(`dynamic tool namespace must be at most ${MAX_NAMESPACE} characters: ${name}`);
  if (RESERVED_NAMESPACES.has(name) || name.startsWith('mcp__')) throw invalidInput(`dynamic tool namespace is reserved: ${name}`);
}

function checkInputSchema(name: string, schema: unknown): void {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    throw invalidInput(`dynamic tool input schema must be a JSON object: ${name}`);
  }
  const type = (schema as Record<string, unknown>).type;
  if (type !== undefined && type !== 'object' && !(Array.isArray(type) && type.includes('object'))) {
    throw invalidInput(`dynamic tool input schema must describe an object: ${name}`);
  }
}

function asRecord(value: unknown, index: number): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidInput(`Invalid request: dynamicTools[${index}] must be an object`);
  }
  return value as Record<string, unknown>;
}

function stringField(spec: Record<string, unknown>, field: string, where: string): string {
  const value = spec[field];
  if (typeof value !== 'string') throw invalidInput(`Invalid request: missing field \`${field}\` in ${where}`);
  return value;
}

function checkFunction(spec: Record<string, unknown>, where: string): void {
  const name = stringField(spec, 'name', where);
  checkToolName(name);
  stringField(spec, 'description', where);
  checkInputSchema(name, spec.inputSchema);
}

function checkEntry(r: Record<string, unknown>, where: string, tagged: boolean): void {
  if (!tagged || r.type === 'function') {
    checkFunction(r, where);
    if (!tagged && typeof r.namespace === 'string') checkNamespaceName(r.namespace);
    return;
  }
  if (r.type !== 'namespace') {
    throw invalidInput(`Invalid request: unknown variant \`${String(r.type)}\`, expected one of \`function\`, \`namespace\``);
  }
  const name = stringField(r, 'name', where);
  checkNamespaceName(name);
  const description = stringField(r, 'description', where);
  if (description.length > MAX_NAMESPACE_DESCRIPTION) {
    throw invalidInput(`dynamic tool namespace description must be at most ${MAX_NAMESPACE_DESCRIPTION} characters: ${name}`);
  }
  if (!Array.isArray(r.tools) || r.tools.length === 0) throw invalidInput(`dynamic tool namespace must contain at least one tool: ${name}`);
  r.tools.forEach((t, j) => {
    const rec = asRecord(t, j);
    if (rec.type !== undefined && rec.type !== 'function') throw invalidInput(`Invalid request: ${where}.tools[${j}] must be a function tool`);
    checkFunction(rec, `${where}.tools[${j}]`);
  });
}

/**
 * Validates a client's tool list (flat or tagged, never mixed) with Codex's messages and returns
 * the canonical form, built by the same normaliser that reads tools back from rollouts.
 */
export function validateDynamicTools(input: unknown[]): DynamicToolSpec[] {
  const records = input.map(asRecord);
  const tagged = records.filter((r) => r.type !== undefined && r.type !== null).length;
  if (tagged !== 0 && tagged !== records.length) {
    throw invalidInput('Invalid request: dynamic tools must use either canonical or legacy format consistently');
  }
  records.forEach((r, i) => checkEntry(r, `dynamicTools[${i}]`, tagged !== 0));
  const canonical = normalizeDynamicTools(records) ?? [];
  checkUniqueAndPlacement(canonical);
  return canonical;
}

function checkUniqueAndPlacement(specs: DynamicToolSpec[]): void {
  const seen = new Set<string>();
  const namespaces = new Set<string>();
  for (const spec of specs) {
    if (spec.type === 'function') {
      if (spec.deferLoading === true) throw invalidInput(`deferred dynamic tool must be in a namespace: ${spec.name}`);
      if (seen.has(spec.name)) throw invalidInput(`duplicate dynamic tool name: ${spec.name}`);
      seen.add(spec.name);
    } else {
      if (namespaces.has(spec.name)) throw invalidInput(`duplicate dynamic tool namespace: ${spec.name}`);
      namespaces.add(spec.name);
      const inner = new Set<string>();
      for (const tool of spec.tools) {
        if (inner.has(tool.name)) throw invalidInput(`duplicate dynamic tool name: ${tool.name}`);
        inner.add(tool.name);
      }
    }
  }
}
