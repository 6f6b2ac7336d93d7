// Every keyword of the language is highlighted as one, in the place where the parser reads
// it, and is no keyword when joined to a longer name. The keywords are read from the Rust
// sources, so a keyword added to src/syntax/keywords.rs or grammar/policy.pest and not to
// scripts/build-grammar.js fails here.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const { tokenize } = require('./tokenize');

const REPO = path.join(__dirname, '..', '..', '..');

/** The (English, Chinese) pairs of `const NAME: &[(&str, &str)] = &[ … ];` in keywords.rs. */
function pairs(source, name) {
  const start = source.indexOf(`pub const ${name}:`);
  assert.ok(start >= 0, `src/syntax/keywords.rs has no ${name}`);
  const body = source.slice(start, source.indexOf('];', start));
  return [...body.matchAll(/\("([^"]+)",\s*"([^"]+)"\)/g)].map((m) => [m[1], m[2]]);
}

/** Every word in the keyword rules (`keyword`, `kw_*`) of grammar/policy.pest. */
function pestWords(pest) {
  const words = new Set();
  for (const m of pest.matchAll(/^(keyword|kw_\w+)\s*=\s*@\{([\s\S]*?)\}\s*$/gm)) {
    for (const w of m[2].matchAll(/"([^"]+)"/g)) words.add(w[1]);
  }
  return [...words];
}

const rust = fs.readFileSync(path.join(REPO, 'src', 'syntax', 'keywords.rs'), 'utf8');
const pest = fs.readFileSync(path.join(REPO, 'grammar', 'policy.pest'), 'utf8');
const WORDS = pairs(rust, 'WORDS');
const EXTRA = pairs(rust, 'EXTRA_ZH');

// The table writes headings with `…` for the number; they are written here with one.
const HEADING = { '第…条': '第六条', '（…）': '（二）', '第…章': '第二章', '第…项': '第三项' };
const ENGLISH_HEADINGS = ['article', 'clause', 'chapter', 'annex', 'item'];

/** The line a word is tried in, and where in it the keyword stands. */
function place(word) {
  const w = HEADING[word] || word;
  const english = /^[\x00-\x7f]+$/.test(w);
  let line;
  if (ENGLISH_HEADINGS.includes(w)) line = `${w} 2 "标题" {`;
  else if (w === 'assessed') line = `not assessed "词语" because "理由"`;
  else if (['because', 'items', '理由', '编号', '留待评审'].includes(w)) line = `${w} "词语"`;
  else if (['bare_numbers', '可省单位'].includes(w)) line = `量纲 企业数 ${w} {`;
  else line = english ? `  ${w} y in x` : `  ${w} y 属于 x`;
  return { word: w, line, at: line.indexOf(w, w === 'assessed' ? 4 : 0) };
}

const KEYWORD_SCOPE = /^(keyword\.|constant\.language\.|storage\.|markup\.heading\.)/;

async function scopesOf(line, at, length) {
  const tokens = (await tokenize(line)).filter((t) => t.start < at + length && t.start + t.text.length > at);
  return tokens.map((t) => ({ text: t.text, scopes: t.scopes }));
}

test('the keyword table is read from the Rust sources', () => {
  assert.ok(WORDS.length >= 59, `only ${WORDS.length} pairs read from WORDS`);
  assert.deepStrictEqual(EXTRA, [['text', '文本'], ['none', '无']]);
  assert.ok(pestWords(pest).includes('of') && pestWords(pest).includes('适用条件'));
});

const all = new Set();
for (const [en, zh] of WORDS.concat(EXTRA)) {
  all.add(en);
  all.add(zh);
}
for (const w of pestWords(pest)) all.add(w);

for (const word of [...all].sort()) {
  const p = place(word);
  test(`keyword ${p.word}: a keyword in \`${p.line.trim()}\`, a name when joined to one`, async () => {
    const found = await scopesOf(p.line, p.at, p.word.length);
    assert.ok(found.length > 0, 'no token');
    for (const t of found) {
      assert.ok(
        t.scopes.some((s) => KEYWORD_SCOPE.test(s)),
        `${JSON.stringify(t.text)} has ${t.scopes.join(' ')}, no keyword scope`,
      );
    }
    if (HEADING[word]) return;
    for (const joined of [`${p.word}甲`, `甲${p.word}`, `${p.word}_x`, `x${p.word}`]) {
      const line = `定义 d = ${joined} + 1`;
      const names = await scopesOf(line, line.indexOf(joined), joined.length);
      assert.deepStrictEqual(
        names.map((t) => [t.text, t.scopes.join(' ')]),
        [[joined, 'variable.other.policy']],
        `${joined} is one name`,
      );
    }
  });
}
