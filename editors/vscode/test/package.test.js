// The extension's manifest, language configuration and pack script.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.join(__dirname, '..');
const REPO = path.join(ROOT, '..', '..');
const read = (f) => JSON.parse(fs.readFileSync(path.join(ROOT, f), 'utf8'));
const pkg = read('package.json');
const config = read('language-configuration.json');

test('the manifest contributes the policy language, its grammar and its settings', () => {
  assert.strictEqual(pkg.name, 'policy');
  assert.ok(pkg.publisher && pkg.engines.vscode);
  assert.ok(pkg.activationEvents.includes('onLanguage:policy'));
  const [lang] = pkg.contributes.languages;
  assert.strictEqual(lang.id, 'policy');
  assert.deepStrictEqual(lang.extensions, ['.policy']);
  assert.ok(fs.existsSync(path.join(ROOT, lang.configuration)));
  const [grammar] = pkg.contributes.grammars;
  assert.strictEqual(grammar.language, 'policy');
  assert.strictEqual(read(grammar.path).scopeName, grammar.scopeName);
  const setting = pkg.contributes.configuration.properties['policy.server.path'];
  assert.strictEqual(setting.default, 'policy');
  assert.ok(fs.existsSync(path.join(ROOT, pkg.main)));
});

test('an untrusted folder cannot name the program that is run', () => {
  const trust = pkg.capabilities.untrustedWorkspaces;
  assert.strictEqual(trust.supported, 'limited');
  assert.deepStrictEqual(trust.restrictedConfigurations.sort(), ['policy.factsFile', 'policy.server.path']);
});

test('every %key% of the manifest has an English and a Chinese text', () => {
  const keys = [...JSON.stringify(pkg).matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]);
  assert.ok(keys.length >= 3);
  for (const file of ['package.nls.json', 'package.nls.zh-cn.json']) {
    const nls = read(file);
    for (const k of keys) assert.ok(nls[k], `${file} has no ${k}`);
  }
  for (const k of keys) assert.match(read('package.nls.zh-cn.json')[k], /[\u4e00-\u9fff]/, k);
});

test('facts files get the schema that the pack script writes, and none is committed', () => {
  const [v] = pkg.contributes.jsonValidation;
  assert.deepStrictEqual(v.fileMatch, ['*.facts.json', '**/facts/*.json']);
  assert.strictEqual(v.url, './schemas/facts.schema.json');
  assert.match(pkg.scripts['vscode:prepublish'], /scripts\/schema\.js/);
  assert.match(fs.readFileSync(path.join(ROOT, '.gitignore'), 'utf8'), /^schemas\/$/m);
  assert.doesNotMatch(fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8'), /schemas/);
});

test('dependencies are pinned to exact versions', () => {
  for (const deps of [pkg.dependencies, pkg.devDependencies]) {
    for (const [name, version] of Object.entries(deps)) assert.match(version, /^\d+\.\d+\.\d+$/, name);
  }
});

test('comments are `#` as in grammar/policy.pest', () => {
  const pest = fs.readFileSync(path.join(REPO, 'grammar', 'policy.pest'), 'utf8');
  assert.match(pest, /^COMMENT\s*=\s*_\{\s*"#"/m);
  assert.strictEqual(config.comments.lineComment, '#');
});

test('brackets and auto-closing pairs include the full-width （） and “”', () => {
  const brackets = config.brackets.map((b) => b.join(''));
  assert.ok(brackets.includes('（）') && brackets.includes('“”') && brackets.includes('{}'));
  const pairs = config.autoClosingPairs.map((p) => p.open + p.close);
  for (const p of ['（）', '“”', '""', '{}', '[]', '()']) assert.ok(pairs.includes(p), p);
});

test('the word pattern keeps Chinese names whole and stops at full-width punctuation', () => {
  const re = new RegExp(config.wordPattern.pattern, `${config.wordPattern.flags}g`);
  const words = (s) => s.match(re);
  assert.deepStrictEqual(words('参数 产值下限 = 30 亿元'), ['参数', '产值下限', '30', '亿元']);
  assert.deepStrictEqual(words('事实 x “说明”：逐年 亿元'), ['事实', 'x', '说明', '逐年', '亿元']);
  assert.deepStrictEqual(words('每个y属于近三年'), ['每个y属于近三年']);
  assert.deepStrictEqual(words('年均增速(output_value，近三年)'), ['年均增速', 'output_value', '近三年']);
  assert.deepStrictEqual(words('km² 2024-02-22 28.40'), ['km²', '2024-02-22', '28.40']);
});

function fakeProgram(body) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-schema-'));
  const file = path.join(dir, 'policy');
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`);
  fs.chmodSync(file, 0o755);
  return { dir, file };
}

function runSchema(program, out) {
  return spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'schema.js'), '--out', out], {
    env: { ...process.env, POLICY_BIN: program },
    encoding: 'utf8',
    timeout: 60000,
  });
}

test('the pack script writes what `policy schema --policy ../../policies` prints', () => {
  const { dir, file } = fakeProgram(
    '[ "$1 $2 $3" = "schema --policy ../../policies" ] || exit 2\necho \'{"type": "object"}\'',
  );
  const out = path.join(dir, 'facts.schema.json');
  const run = runSchema(file, out);
  assert.strictEqual(run.status, 0, run.stderr);
  assert.deepStrictEqual(JSON.parse(fs.readFileSync(out, 'utf8')), { type: 'object' });
  assert.deepStrictEqual(fs.readdirSync(dir).sort(), ['facts.schema.json', 'policy'], 'no temporary file left');
});

test('the pack script fails clearly without a schema command, JSON or program', () => {
  const cases = [
    ['echo "error: unrecognized subcommand \'schema\'" >&2; exit 2', /schema 子命令[\s\S]*schema command/],
    ['echo not json', /不是 JSON[\s\S]*is not JSON/],
    ['echo "[1]"', /不是 JSON 对象[\s\S]*not a JSON object/],
  ];
  for (const [body, expected] of cases) {
    const { dir, file } = fakeProgram(body);
    const out = path.join(dir, 'facts.schema.json');
    const run = runSchema(file, out);
    assert.strictEqual(run.status, 1, body);
    assert.match(run.stderr, expected);
    assert.ok(!fs.existsSync(out), 'nothing written');
  }
  const run = runSchema('/nonexistent/policy', path.join(os.tmpdir(), 'never.json'));
  assert.strictEqual(run.status, 1);
  assert.match(run.stderr, /无法运行[\s\S]*could not run/);
});
