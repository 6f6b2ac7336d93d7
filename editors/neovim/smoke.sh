#!/usr/bin/env bash
# Smoke test of the Neovim configuration against the real language server: opens a rule file
# with an unknown name in `nvim --headless` and waits (at most 20 s) for `policy lsp` to
# publish its diagnostics.
#
#   editors/neovim/smoke.sh [POLICY_PROGRAM]     (default: policy on PATH)
#
# Needs Neovim 0.7 or later (`apt-get install neovim`). Exit 0 when diagnostics arrived.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
program="${1:-policy}"
if ! command -v nvim >/dev/null; then
  echo "smoke: nvim not found (apt-get install neovim) / 未找到 nvim" >&2
  exit 2
fi
if ! command -v "$program" >/dev/null; then
  echo "smoke: $program not found / 未找到 $program" >&2
  exit 2
fi
program="$(command -v "$program")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat >"$work/broken.policy" <<'POLICY'
# 引用了未声明的名称：语言服务器应当报告错误。
政策 "冒烟测试" {
}

第一条 "测试" {
  （一） "测试" {
    规则 "未声明的名称"：
      未声明的事实
  }
}
POLICY
POLICY_PROGRAM="$program" POLICY_FILE="$work/broken.policy" \
  timeout 60 nvim --headless -u NONE -i NONE -n \
    --cmd "set runtimepath^=$here" --cmd "lua package.path = '$here/?.lua;' .. package.path" \
    -c "luafile $here/smoke.lua" </dev/null
