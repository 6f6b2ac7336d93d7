// Tokenizes lines with the extension's grammar, as VS Code does (vscode-textmate on the
// Oniguruma engine), for the tests.
'use strict';

const fs = require('fs');
const path = require('path');
const oniguruma = require('vscode-oniguruma');
const vsctm = require('vscode-textmate');

const GRAMMAR = path.join(__dirname, '..', 'syntaxes', 'policy.tmLanguage.json');

let loaded;

async function grammar() {
  if (!loaded) {
    loaded = (async () => {
      const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
      await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
      const registry = new vsctm.Registry({
        onigLib: Promise.resolve({
          createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
          createOnigString: (s) => new oniguruma.OnigString(s),
        }),
        loadGrammar: async (scopeName) =>
          scopeName === 'source.policy'
            ? vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, 'utf8'), GRAMMAR)
            : null,
      });
      return registry.loadGrammar('source.policy');
    })();
  }
  return loaded;
}

/**
 * The tokens of `text` (lines split on \n): [{ line, text, scopes, open }], where `open` says
 * that a construct of the grammar (a string, say) was still open at the end of the line.
 */
async function tokenize(text) {
  const g = await grammar();
  let stack = vsctm.INITIAL;
  const out = [];
  text.split('\n').forEach((line, n) => {
    const r = g.tokenizeLine(line, stack);
    for (const t of r.tokens) {
      out.push({ line: n, start: t.startIndex, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes.slice(1), open: false });
    }
    if (typeof r.ruleStack.depth !== 'number') throw new Error('vscode-textmate no longer tells the depth of its stack');
    if (out.length > 0 && r.ruleStack.depth > 1) out[out.length - 1].open = true;
    stack = r.ruleStack;
  });
  return out;
}

module.exports = { tokenize };

