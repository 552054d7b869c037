// Command strings joined as Rust `shlex::try_join` joins them (what Codex 0.169 shows as `command`).

import assert from 'node:assert/strict';
import { quoteWord, shellJoin } from '../../../src/rollout/shell-join.ts';

describe('shell join (shlex::try_join rules)', () => {
  it('leaves safe words bare and single-quotes the rest', () => {
    assert.equal(shellJoin(['/bin/bash', '-lc', 'echo ok && pwd']), "/bin/bash -lc 'echo ok && pwd'");
    assert.equal(shellJoin(['git', 'log', '--format=%H']), "git log '--format=%H'");
    assert.equal(quoteWord('a,b'), "'a,b'");
    assert.equal(quoteWord('x]y'), 'x]y');
    assert.equal(quoteWord('~'), "'~'");
  });

  it('double-quotes a word holding a single quote, escaping backslashes and double quotes', () => {
    // The case Codex 0.169 recorded: the octal escape keeps its backslash, doubled.
    assert.equal(shellJoin(['/bin/bash', '-lc', "printf 'x \\342' && pwd"]), `/bin/bash -lc "printf 'x \\\\342' && pwd"`);
    assert.equal(quoteWord(`'"`), `"'\\""`);
    assert.equal(quoteWord("it's"), `"it's"`);
  });

  it('splits a word into chunks when no single style covers it', () => {
    // `'` rules out single quotes, `$` rules out double quotes: two chunks.
    assert.equal(quoteWord("a'$b"), `"a'"'$b'`);
    assert.equal(quoteWord("'!"), `"'"'!'`);
    // A backslash is never single-quoted (fish), `!` never double-quoted.
    assert.equal(quoteWord('\\!'), `"\\\\"'!'`);
  });

  it('quotes a leading caret alone in single quotes', () => {
    assert.equal(quoteWord('^foo'), "'^foo'");
    // Elsewhere `^` fits no style but a new single-quoted chunk.
    assert.equal(quoteWord('a^b'), "a'^b'");
    assert.equal(quoteWord('^'), "'^'");
  });

  it('quotes empty words and non-ASCII text', () => {
    assert.equal(shellJoin(['echo', '']), "echo ''");
    assert.equal(quoteWord('héllo'), "'héllo'");
    assert.equal(shellJoin([]), '');
  });
});
