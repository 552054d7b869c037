#!/usr/bin/env bash
# Installs the real Codex CLI that the interop tests use as their oracle, into a cache folder outside the
# repository (it is ~400 MB, so it is neither a dependency nor committed). Idempotent: a finished install is
# kept. Prints the path of the `codex` launcher on its last line.
#   THREADSTATE_CODEX_VERSION  version to install (default 0.169.0)
#   THREADSTATE_CODEX_DIR      where to install (default ~/.cache/threadstate/codex-<version>)
set -euo pipefail
version="${THREADSTATE_CODEX_VERSION:-0.169.0}"
dir="${THREADSTATE_CODEX_DIR:-$HOME/.cache/threadstate/codex-$version}"
bin="$dir/node_modules/.bin/codex"
if [ -x "$bin" ] && [ -f "$dir/.installed" ]; then
  echo "$bin"
  exit 0
fi
mkdir -p "$dir"
[ -f "$dir/package.json" ] || echo '{"name":"threadstate-codex-oracle","private":true}' > "$dir/package.json"
npm install --prefix "$dir" --no-audit --no-fund --save-exact "@openai/codex@$version" >&2
"$bin" --version >&2
touch "$dir/.installed"
echo "$bin"
