// Opens the HTML reports of `policy check --format html` in a real headless Chromium
// (Debian's `chromium`, with the `fonts-wqy-microhei` font) and checks that each page
// renders: no console error, no request leaving the page, the Chinese text there, every
// chart drawn with a non-zero box, on screen and in print.
//
// Run by `.ci/run` (`npm ci && npm test` here, after `cargo build`). POLICY_BIN names the
// binary (default: target/debug/policy, or $CARGO_TARGET_DIR/debug/policy); CHROMIUM the
// browser (default: /usr/bin/chromium).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(root, 'target');
const bin = process.env.POLICY_BIN ?? path.join(targetDir, 'debug', 'policy');
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const out = mkdtempSync(path.join(tmpdir(), 'policy-browser-'));

let browser;
before(async () => {
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
});
after(async () => {
  await browser?.close();
  rmSync(out, { recursive: true, force: true });
});

/** Write a page with the real binary; exit 0, or 7 when a batch refused a record. */
function report(name, args) {
  const file = path.join(out, `${name}.html`);
  const r = spawnSync(bin, ['check', ...args, '--as-of', '2025-06-30', '--format', 'html', '--output', file],
    { cwd: root, encoding: 'utf8' });
  assert.ok(r.status === 0 || r.status === 7, `policy exited ${r.status}: ${r.stderr}`);
  return file;
}

/** Open a page; return what it says and the boxes of its charts. */
async function open(file, media) {
  const page = await browser.newPage();
  const errors = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
  await page.emulateMedia({ media });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  const seen = await page.evaluate(() => ({
    lang: document.documentElement.lang,
    text: document.body.innerText,
    scripts: document.scripts.length,
    charts: [...document.querySelectorAll('svg.chart')].map((s) => {
      const b = s.getBoundingClientRect();
      return { kind: s.getAttribute('class'), width: b.width, height: b.height,
        drawn: s.querySelectorAll('rect,line,circle').length };
    }),
  }));
  let pdf = null;
  if (media === 'print') pdf = await page.pdf({ format: 'A4' });
  await page.close();
  return { ...seen, errors, requests, pdf };
}

function count(charts, kind) {
  return charts.filter((c) => c.kind === `chart ${kind}`).length;
}

function checkPage(seen, { lang, chinese, kinds }) {
  assert.deepEqual(seen.errors, [], 'no console errors');
  assert.deepEqual(seen.requests, [], 'nothing fetched');
  assert.equal(seen.scripts, 0, 'no script element');
  assert.equal(seen.lang, lang);
  for (const c of chinese) assert.ok(seen.text.includes(c), `the page says ${c}`);
  assert.ok(seen.charts.length > 0, 'charts are there');
  for (const c of seen.charts) {
    assert.ok(c.width > 0 && c.height > 0, `a ${c.kind} has a box: ${c.width}×${c.height}`);
    assert.ok(c.drawn > 0, `a ${c.kind} draws something`);
  }
  for (const [kind, n] of Object.entries(kinds)) {
    assert.ok(count(seen.charts, kind) >= n, `at least ${n} ${kind} chart(s), found ${count(seen.charts, kind)}`);
  }
}

for (const media of ['screen', 'print']) {
  test(`one Shanghai cluster (Article 15 under review), ${media}`, async () => {
    const file = report(`shanghai-${media}`, ['--policy', 'tests/fixtures/shanghai', '--lang', 'zh',
      '--facts', 'examples/article15-under-review-caohejing-industrial-software.json']);
    const seen = await open(file, media);
    checkPage(seen, {
      lang: 'zh-CN',
      chinese: ['逐条结果', '满足', '时间线', '有效期届满日', '评价日', '近三年产值均在30亿元以上'],
      kinds: { bars: 1, bullet: 1, timeline: 1 },
    });
    if (seen.pdf) assert.ok(seen.pdf.length > 10000, 'it prints');
  });

  test(`a batch summary with markup in a label and a name, ${media}`, async () => {
    const file = report(`batch-${media}`, ['--policy', 'tests/fixtures/reports/rules', '--lang', 'zh',
      '--facts', 'tests/fixtures/reports/batch.jsonl']);
    const seen = await open(file, media);
    checkPage(seen, {
      lang: 'zh-CN',
      chinese: ['各项决定的结果', '与各门槛的差距', '最常缺少的数据', '未读入的记录',
        "外向度和创新 <script>alert('标签')</script>", '<script>alert("名称")</script> & \'Co\''],
      kinds: { histogram: 4, stacked: 7 },
    });
  });
}

test('a cluster of another rule set, in English', async () => {
  const file = report('met-en', ['--policy', 'tests/fixtures/reports/rules', '--lang', 'en',
    '--facts', 'tests/fixtures/reports/clusters/met.json']);
  const seen = await open(file, 'screen');
  checkPage(seen, { lang: 'en', chinese: ['Criteria', 'met', '经营规模'], kinds: { bars: 1, bullet: 1, timeline: 1 } });
  assert.ok(statSync(file).size > 1000);
});
