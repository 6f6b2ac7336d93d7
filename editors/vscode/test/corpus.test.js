// The grammar over every rule file of the engine fixtures and the examples (not policies/,
// which staff revise): nothing stays open at the end of a line (a string ends with its line,
// as in the parser), and a rule file that parses has no character the grammar calls invalid.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const { tokenize } = require('./tokenize');

const REPO = path.join(__dirname, '..', '..', '..');

function ruleFiles(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) ruleFiles(p, out);
    else if (e.name.endsWith('.policy')) out.push(p);
  }
  return out;
}

const files = [...ruleFiles(path.join(REPO, 'tests', 'fixtures')), ...ruleFiles(path.join(REPO, 'examples'))];
// tests/fixtures/rules/ holds rule files that are wrong on purpose.
const broken = path.join(REPO, 'tests', 'fixtures', 'rules') + path.sep;

test('the corpus is there', () => {
  assert.ok(files.length >= 50, `${files.length} rule files`);
  assert.ok(files.some((f) => f.startsWith(broken)));
});

test('no construct stays open at the end of a line', async () => {
  for (const file of files) {
    const open = (await tokenize(fs.readFileSync(file, 'utf8'))).filter((t) => t.open);
    assert.deepStrictEqual(open.map((t) => t.line + 1), [], path.relative(REPO, file));
  }
  assert.deepStrictEqual((await tokenize('规则 "未闭合\n规则 “也未闭合\n规则 x')).filter((t) => t.open), []);
});

test('rule files that parse have nothing the grammar calls invalid', async () => {
  for (const file of files.filter((f) => !f.startsWith(broken))) {
    const invalid = (await tokenize(fs.readFileSync(file, 'utf8'))).filter((t) =>
      t.scopes.includes('invalid.illegal.policy'),
    );
    assert.deepStrictEqual(
      invalid.map((t) => `${t.line + 1}:${t.start} ${t.text}`),
      [],
      path.relative(REPO, file),
    );
  }
  const typed = await tokenize('参数 x ＝ 1；');
  assert.deepStrictEqual(
    typed.filter((t) => t.scopes.includes('invalid.illegal.policy')).map((t) => t.text),
    ['＝', '；'],
  );
});
