#!/usr/bin/env bash
# What the tests need beyond npm packages, installed when missing (idempotent; `npm test` runs it first
# as `pretest`, and .ci/run before everything): tmux (the real Codex TUI tests), mkfifo and mount (the
# hardening tests' FIFOs and small tmpfs mounts), and the real Codex CLI 0.169.0 (the interop oracle, into
# ~/.cache/threadstate; about 400 MB, 8-11 s the first time).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v tmux >/dev/null || missing+=(tmux)
command -v mkfifo >/dev/null || missing+=(coreutils)
command -v mount >/dev/null || missing+=(mount)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update >&2 && apt-get install -y "${missing[@]}" >&2
  else
    echo "install-test-tools: missing ${missing[*]} (install them, or run this as root on Debian)" >&2
  fi
fi
bash scripts/interop/install-codex.sh >/dev/null
