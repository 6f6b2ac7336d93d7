#!/usr/bin/env bash
# Rebuild fuzz/seeds/ from the shipped rules, the examples and the test fixtures.
# Each seed is one mode byte followed by a file:
#   rules: byte 0 = the file alone, byte 1 = the file added to the shipped rules
#   facts: byte 0 = JSON, 1 = YAML, 2 = TOML
#   eval:  bytes for the facts generator (random)
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf fuzz/seeds && mkdir -p fuzz/seeds/{rules,facts,eval}
for f in policies/*.policy tests/fixtures/rules/*.policy tests/bad_input/*.policy; do
  [ -e "$f" ] || continue
  n=$(echo "$f" | tr '/' '_')
  { printf '\x00'; cat "$f"; } > "fuzz/seeds/rules/alone_$n"
  { printf '\x01'; cat "$f"; } > "fuzz/seeds/rules/added_$n"
done
# The whole shipped rule set as one file, alone.
{ printf '\x00'; cat policies/*.policy; } > fuzz/seeds/rules/alone_all_policies
for f in examples/*.* tests/fixtures/facts/* tests/bad_input/*; do
  case "$f" in
    *.json) b='\x00' ;;
    *.yaml|*.yml) b='\x01' ;;
    *.toml) b='\x02' ;;
    *) continue ;;
  esac
  [ "$(stat -c %s "$f")" -le 65536 ] || continue
  n=$(echo "$f" | tr '/' '_')
  { printf "$b"; cat "$f"; } > "fuzz/seeds/facts/$n"
done
for i in $(seq 1 16); do
  head -c $((i * 64)) /dev/urandom > "fuzz/seeds/eval/random_$i"
done
