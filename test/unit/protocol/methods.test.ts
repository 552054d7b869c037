// The method table: every entry is well formed, named for schema export, and gated correctly.

import assert from 'node:assert/strict';
import { Compile } from 'typebox/compile';
import { ClientMethods, experimentalDescriptor, isMethodName, METHOD_NAMES, ServerNotifications } from '../../../src/protocol/methods.ts';
import { schemaName } from '../../../src/protocol/names.ts';

describe('protocol method table', () => {
  it('lists the thread methods of the wire protocol', () => {
    for (const m of ['initialize', 'thread/start', 'thread/resume', 'thread/list', 'thread/read', 'thread/turns/list',
      'thread/items/list', 'thread/archive', 'thread/unarchive', 'thread/delete', 'thread/name/set',
      'thread/metadata/update', 'thread/loaded/list', 'thread/unsubscribe', 'thread/inject_items',
      'thread/dynamicTools/list', 'thread/memory/read', 'thread/memory/write', 'thread/memory/listRecent',
      'thread/search', 'getConversationSummary']) {
      assert.ok(isMethodName(m), m);
    }
    assert.equal(METHOD_NAMES.length, Object.keys(ClientMethods).length);
    assert.ok(!isMethodName('thread/rollback'));
    assert.ok(!isMethodName('toString'));
  });

  it('every entry compiles and has exported (named) params and result schemas', () => {
    for (const [name, def] of Object.entries(ClientMethods)) {
      assert.equal(typeof Compile(def.params).Check, 'function');
      assert.equal(typeof Compile(def.result).Check, 'function');
      assert.ok(schemaName(def.params), `${name} params has no exported name`);
      assert.ok(schemaName(def.result), `${name} result has no exported name`);
    }
    for (const [name, schema] of Object.entries(ServerNotifications)) {
      assert.ok(Compile(schema).Check !== undefined);
      assert.ok(schemaName(schema), `${name} has no exported name`);
    }
  });

  it('params objects stay open (unknown fields are ignored)', () => {
    for (const [name, def] of Object.entries(ClientMethods)) {
      assert.notEqual((def.params as { additionalProperties?: unknown }).additionalProperties, false, name);
    }
  });

  it('maps experimental fields to Codex descriptors; null and omitted do not count, [] does', () => {
    assert.equal(experimentalDescriptor('thread/start', { dynamicTools: [] }), 'thread/start.dynamicTools');
    assert.equal(experimentalDescriptor('thread/start', { dynamicTools: null }), null);
    assert.equal(experimentalDescriptor('thread/start', { model: 'x' }), null);
    assert.equal(experimentalDescriptor('thread/start', { experimentalRawEvents: false }), 'thread/start.experimentalRawEvents');
    assert.equal(experimentalDescriptor('thread/start', { persistExtendedHistory: true }), 'thread/start.persistFullHistory');
    assert.equal(experimentalDescriptor('thread/resume', { threadId: 't', path: '/x' }), 'thread/resume.path');
    assert.equal(experimentalDescriptor('thread/resume', { threadId: 't', history: [] }), 'thread/resume.history');
    assert.equal(experimentalDescriptor('thread/list', { parentThreadId: 'p' }), 'thread/list.parentThreadId');
    assert.equal(experimentalDescriptor('thread/metadata/update', { threadId: 't', projectId: 'p' }), 'thread/metadata/update.projectId');
    assert.equal(experimentalDescriptor('thread/list', { limit: 3 }), null);
    assert.equal(experimentalDescriptor('thread/list', null), null);
  });

  it('the experimental fields exist in the params schemas', () => {
    for (const [name, def] of Object.entries(ClientMethods)) {
      const properties = (def.params as { properties?: Record<string, unknown> }).properties ?? {};
      for (const field of Object.keys(def.experimentalFields)) assert.ok(field in properties, `${name}.${field}`);
    }
  });
});
