#!/usr/bin/env node
// Writes schemas/facts.schema.json, the JSON Schema of facts files that the extension gives
// VS Code (contributes.jsonValidation), from the shipped rule set:
//
//   policy schema --policy ../../policies > schemas/facts.schema.json
//
// `--out FILE` writes FILE instead. Runs before `vsce package` (npm's `vscode:prepublish`). The program is `policy` on PATH,
// or the one named by POLICY_BIN (`POLICY_BIN=../../target/release/policy npm run package`).
// Fails, and so stops the packing, when the program is missing, has no `schema` command or
// writes no JSON object: a package never ships an outdated or hand-written schema.
'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.join(__dirname, '..');
const RULES = path.join('..', '..', 'policies');
const at = process.argv.indexOf('--out');
const OUT = at > 0 && process.argv[at + 1] ? path.resolve(process.argv[at + 1]) : path.join(ROOT, 'schemas', 'facts.schema.json');
const program = process.env.POLICY_BIN || 'policy';

function fail(zh, en) {
  console.error(`schema: ${zh}\nschema: ${en}`);
  process.exit(1);
}

const run = spawnSync(program, ['schema', '--policy', RULES], {
  cwd: ROOT,
  encoding: 'utf8',
  timeout: 120000,
  maxBuffer: 64 * 1024 * 1024,
});
if (run.error) {
  fail(
    `无法运行“${program}”（${run.error.code || run.error.message}）。请安装 policy，或用 POLICY_BIN 指定程序路径。`,
    `could not run "${program}" (${run.error.code || run.error.message}). Install policy or name the program with POLICY_BIN.`,
  );
}
if (run.status !== 0) {
  const said = (run.stderr || '').trim().split('\n').slice(0, 6).join('\n');
  fail(
    `“${program} schema --policy ${RULES}”失败（退出码 ${run.status}）；这个 policy 程序可能还没有 schema 子命令。\n${said}`,
    `"${program} schema --policy ${RULES}" failed (exit code ${run.status}); this policy program may not have the schema command yet.`,
  );
}
let schema;
try {
  schema = JSON.parse(run.stdout);
} catch (e) {
  fail(`“${program} schema”的输出不是 JSON：${e.message}`, `the output of "${program} schema" is not JSON: ${e.message}`);
}
if (!schema || typeof schema !== 'object' || Array.isArray(schema)) {
  fail(`“${program} schema”的输出不是 JSON 对象。`, `the output of "${program} schema" is not a JSON object.`);
}

fs.mkdirSync(path.dirname(OUT), { recursive: true });
const tmp = `${OUT}.${process.pid}.tmp`;
fs.writeFileSync(tmp, run.stdout);
fs.renameSync(tmp, OUT);
console.log(`schema: ${path.relative(ROOT, OUT)} (${Buffer.byteLength(run.stdout)} bytes) from ${program} schema --policy ${RULES}`);
