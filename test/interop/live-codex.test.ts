// Issue 17, reverse direction with the live index: the REAL Codex 0.169 app-server mutates a home
// while one threadstate server (never restarted, file watches on) serves it. After each Codex
// mutation threadstate's thread/list (both archived values), thread/read and names must show it,
// and the connection that opted in must receive `thread/index/changed` for it. Skipped (with a
// message) when the real Codex is not installed: `bash scripts/interop/install-codex.sh` installs it.

import assert from 'node:assert/strict';
import { realCodexBin } from '../helpers/real-codex.ts';
import { CODEX_STEPS, indexChanges, shows, startLivePair, viewThread, waitUntil, type LivePair } from '../helpers/live-codex.ts';

const bin = realCodexBin();

describe('a running threadstate sees what the real Codex 0.169 changes (live index)', function () {
  this.timeout(120000);
  let pair: LivePair;
  let id = '';

  before(async function () {
    if (!bin) {
      console.log('    (skipped: the real Codex CLI 0.169.0 is not installed; run `bash scripts/interop/install-codex.sh`)');
      this.skip();
    }
    pair = await startLivePair(bin);
  });

  after(async () => {
    await pair?.close();
  });

  for (const step of CODEX_STEPS) {
    it(`shows ${step.label} without a restart, and notifies it`, async function () {
      if (step !== CODEX_STEPS[0]) assert.ok(id, 'the thread was started by the first step');
      const pid = pair.threadstate.child.pid;
      const seen = pair.threadstate.notifications('thread/index/changed').length;
      id = await step.act(pair.codex, id, pair.home);
      await waitUntil(async () => shows(await viewThread(pair.threadstate, id), step.expected),
        `threadstate shows ${JSON.stringify(step.expected)} for ${id}`).catch(async (err) => {
        // The last answers say what was wrong.
        throw new Error(`${err.message}; last seen: ${JSON.stringify(await viewThread(pair.threadstate, id))}`);
      });
      const view = await viewThread(pair.threadstate, id);
      if (step.expected === 'deleted') {
        assert.equal(view.active, undefined, 'not in thread/list archived:false');
        assert.equal(view.archived, undefined, 'not in thread/list archived:true');
        assert.ok(view.readError, 'thread/read answers an error');
      } else {
        const [listed, other] = step.expected.archived ? [view.archived, view.active] : [view.active, view.archived];
        assert.equal(listed?.name, step.expected.name, `listed with its name under archived:${step.expected.archived}`);
        assert.equal(other, undefined, `not listed under archived:${!step.expected.archived}`);
        assert.equal(view.read?.name, step.expected.name, 'thread/read has its name');
      }
      await waitUntil(() => indexChanges(pair.threadstate, id, seen).some(step.notified),
        `thread/index/changed reports ${step.label}; got ${JSON.stringify(indexChanges(pair.threadstate, id, seen))}`);
      assert.equal(pair.threadstate.child.pid, pid);
      assert.equal(pair.threadstate.child.exitCode, null, 'the same threadstate is still running');
      assert.doesNotMatch(pair.threadstate.stderr, /SQLITE_BUSY|database is locked/i);
    });
  }
});
