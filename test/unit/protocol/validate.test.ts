// Params validation: Codex-shaped -32600 messages that name the failing field.

import assert from 'node:assert/strict';
import { METHOD_NAMES } from '../../../src/protocol/methods.ts';
import { unknownMethodMessage, validateParams, validateResult } from '../../../src/protocol/validate.ts';

function failure(method: Parameters<typeof validateParams>[0], params: unknown): string {
  const checked = validateParams(method, params);
  assert.ok(!checked.ok, `expected ${JSON.stringify(params)} to be rejected`);
  return checked.message;
}

describe('protocol validateParams', () => {
  it('names a missing required field exactly as Codex does', () => {
    assert.equal(failure('thread/read', {}), 'Invalid request: missing field `threadId`');
    assert.equal(failure('thread/name/set', { threadId: 't' }), 'Invalid request: missing field `name`');
    assert.equal(failure('initialize', {}), 'Invalid request: missing field `clientInfo`');
  });

  it('names the parent of a missing nested field', () => {
    assert.equal(failure('initialize', { clientInfo: { name: 'x' } }), 'Invalid request: missing field `version` at `clientInfo`');
  });

  it('reports missing params', () => {
    assert.equal(failure('thread/list', undefined), 'Invalid request: missing field `params`');
  });

  it('reports a bad enum value with every allowed variant', () => {
    assert.equal(failure('thread/list', { sortKey: 'bogus' }),
      'Invalid request: unknown variant `bogus`, expected one of `created_at`, `updated_at`, `recency_at`, `section_position`');
    assert.equal(failure('thread/turns/list', { threadId: 't', itemsView: 'some' }),
      'Invalid request: unknown variant `some`, expected one of `notLoaded`, `summary`, `full`');
  });

  it('reports a bad enum value inside an array with its index', () => {
    assert.match(failure('thread/list', { sourceKinds: ['cli', 'nope'] }), /unknown variant `nope`, expected one of `cli`, .* at `sourceKinds\[1\]`$/);
  });

  it('reports wrong types with the value, the expectation and the path', () => {
    assert.equal(failure('thread/read', { threadId: 5 }), 'Invalid request: invalid type: integer `5`, expected a string at `threadId`');
    assert.equal(failure('thread/list', { limit: 1.5 }), 'Invalid request: invalid type: floating point `1.5`, expected an integer at `limit`');
    assert.equal(failure('thread/list', { limit: '10' }), 'Invalid request: invalid type: string "10", expected an integer at `limit`');
    assert.equal(failure('thread/read', { threadId: 't', includeTurns: 'yes' }),
      'Invalid request: invalid type: string "yes", expected a boolean at `includeTurns`');
    assert.equal(failure('thread/list', { cwd: 5 }), 'Invalid request: invalid type: integer `5`, expected a string or a sequence at `cwd`');
    assert.equal(failure('thread/list', { modelProviders: 'openai' }),
      'Invalid request: invalid type: string "openai", expected a sequence at `modelProviders`');
    assert.equal(failure('thread/list', 5), 'Invalid request: invalid type: integer `5`, expected a map');
    assert.equal(failure('thread/list', []), 'Invalid request: invalid type: sequence, expected a map');
  });

  it('checks nested tagged unions by their tag', () => {
    assert.equal(failure('thread/start', { dynamicTools: [{ type: 'function', name: 'a', description: 'b' }] }),
      'Invalid request: missing field `inputSchema` at `dynamicTools[0]`');
    assert.equal(failure('thread/start', { dynamicTools: [{ name: 'a', description: 'b' }] }),
      'Invalid request: missing field `type` or `inputSchema` at `dynamicTools[0]`');
  });

  it('explains the untagged getConversationSummary params', () => {
    assert.equal(failure('getConversationSummary', {}), 'Invalid request: missing field `rolloutPath` or `conversationId`');
    assert.equal(failure('getConversationSummary', { conversationId: 7 }),
      'Invalid request: invalid type: integer `7`, expected a string at `conversationId`');
    assert.ok(validateParams('getConversationSummary', { rolloutPath: 'sessions/x.jsonl' }).ok);
    assert.ok(validateParams('getConversationSummary', { conversationId: 'abc' }).ok);
  });

  it('accepts null for every optional input and ignores unknown fields', () => {
    const checked = validateParams('thread/list', {
      cursor: null, limit: null, sortKey: null, sortDirection: null, modelProviders: null, sourceKinds: null,
      archived: null, cwd: null, searchTerm: null, bogusField: { anything: true },
    });
    assert.ok(checked.ok);
    assert.deepEqual(checked.value, {
      cursor: null, limit: null, sortKey: null, sortDirection: null, modelProviders: null, sourceKinds: null,
      archived: null, cwd: null, searchTerm: null, bogusField: { anything: true },
    });
    assert.ok(validateParams('initialize', { clientInfo: { name: 'n', version: '1', title: null }, capabilities: null }).ok);
    assert.ok(validateParams('thread/metadata/update', { threadId: 't', gitInfo: { sha: null, branch: 'main' } }).ok);
    assert.ok(validateParams('thread/start', {
      dynamicTools: [{ type: 'namespace', name: 'ns', description: 'd', tools: [{ type: 'function', name: 'f', description: 'd', inputSchema: {} }] }],
    }).ok);
  });

  it('validates results as well (handler contract)', () => {
    assert.ok(validateResult('thread/archive', {}).ok);
    assert.deepEqual(validateResult('thread/unsubscribe', { status: 'gone' }), {
      ok: false,
      message: 'Invalid request: unknown variant `gone`, expected one of `unsubscribed`, `notSubscribed`, `notLoaded`',
    });
  });
});

describe('protocol unknownMethodMessage', () => {
  it('lists every method, in table order, Codex style', () => {
    const message = unknownMethodMessage('no/such/method');
    assert.ok(message.startsWith('Invalid request: unknown variant `no/such/method`, expected one of `initialize`, `thread/start`, '));
    for (const m of METHOD_NAMES) assert.ok(message.includes(`\`${m}\``), m);
    assert.ok(message.endsWith('`getConversationSummary`'));
  });
});
