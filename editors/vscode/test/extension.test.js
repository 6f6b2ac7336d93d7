// The client without VS Code: `vscode` and `vscode-languageclient/node` are replaced by
// recording stand-ins, and extension.js is activated against them.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const Module = require('module');
const { findServer, notFoundMessage, startFailedMessage } = require('../lib/server');

function fakes({ serverPath, startError, factsFile = '', workspace, activeFile }) {
  const seen = { errors: [], clients: [], commands: {}, opened: [], terminals: [], updates: [] };
  const settings = { 'server.path': serverPath, factsFile };
  const vscode = {
    ConfigurationTarget: { Global: 1, Workspace: 2 },
    workspace: {
      getConfiguration: (section) => ({
        get: (key, fallback) => (section === 'policy' && key in settings ? settings[key] : fallback),
        update: async (key, value, target) => seen.updates.push({ key, value, target }),
      }),
      workspaceFolders: workspace ? [{ uri: { fsPath: workspace } }] : undefined,
      createFileSystemWatcher: (glob) => ({ glob }),
      onDidChangeConfiguration: () => ({ dispose() {} }),
    },
    window: {
      activeTextEditor: activeFile ? { document: { uri: { scheme: 'file', fsPath: activeFile } } } : undefined,
      createTerminal: (options) => {
        const terminal = { options, shown: false, show() { this.shown = true; } };
        seen.terminals.push(terminal);
        return terminal;
      },
      // Like a message nobody dismisses: the promise never settles.
      showErrorMessage: (message, ...items) => {
        seen.errors.push({ message, items });
        return new Promise(() => {});
      },
    },
    commands: {
      registerCommand: (id, fn) => {
        seen.commands[id] = fn;
        return { dispose() {} };
      },
      executeCommand: (...args) => seen.opened.push(args),
    },
  };
  class LanguageClient {
    constructor(id, name, serverOptions, clientOptions) {
      Object.assign(this, { id, name, serverOptions, clientOptions, stopped: false });
      seen.clients.push(this);
    }
    async start() {
      if (startError) throw startError;
    }
    async stop() {
      this.stopped = true;
    }
  }
  return { seen, modules: { vscode, 'vscode-languageclient/node': { LanguageClient } } };
}

/** extension.js loaded afresh with the stand-ins, and the calls they recorded. */
async function activate(options) {
  const { seen, modules } = fakes(options);
  const load = Module._load;
  Module._load = function (request, ...rest) {
    return Object.prototype.hasOwnProperty.call(modules, request) ? modules[request] : load.call(this, request, ...rest);
  };
  try {
    const file = require.resolve('../extension');
    delete require.cache[file];
    const extension = require(file);
    await extension.activate({ subscriptions: [] });
    return { seen, extension };
  } finally {
    Module._load = load;
  }
}

function executable(dir, name) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, '#!/bin/sh\nexit 0\n');
  fs.chmodSync(file, 0o755);
  return file;
}

test('a missing policy program is reported in Chinese and English, and no client starts', async () => {
  const { seen } = await activate({ serverPath: '/nonexistent/policy' });
  assert.strictEqual(seen.clients.length, 0);
  assert.strictEqual(seen.errors.length, 1);
  const { message, items } = seen.errors[0];
  assert.match(message, /未找到 policy 程序/);
  assert.match(message, /The policy program was not found/);
  assert.match(message, /\/nonexistent\/policy/);
  assert.deepStrictEqual(items, ['打开设置 Open Settings']);
});

test('a found program is started as `PROGRAM lsp` over stdio for the policy language', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-ext-'));
  const file = executable(dir, 'policy');
  const { seen, extension } = await activate({ serverPath: file });
  assert.deepStrictEqual(seen.errors, []);
  assert.strictEqual(seen.clients.length, 1);
  const client = seen.clients[0];
  assert.strictEqual(client.id, 'policy');
  assert.deepStrictEqual(client.serverOptions.run, { command: file, args: ['lsp'] });
  assert.deepStrictEqual(client.clientOptions.documentSelector, [{ language: 'policy' }]);
  assert.ok(seen.commands['policy.restartServer'], 'the restart command is registered');
  await seen.commands['policy.restartServer']();
  assert.strictEqual(seen.clients.length, 2);
  assert.ok(client.stopped, 'the old client is stopped on restart');
  await extension.deactivate();
  assert.ok(seen.clients[1].stopped);
});

test('the facts file setting reaches the server as initializationOptions.facts', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-ext-'));
  const file = executable(dir, 'policy');
  const { seen } = await activate({ serverPath: file, factsFile: 'examples/a.json', workspace: dir });
  assert.deepStrictEqual(seen.clients[0].clientOptions.initializationOptions, {
    facts: path.join(dir, 'examples', 'a.json'),
  });
  const none = await activate({ serverPath: file });
  assert.deepStrictEqual(none.seen.clients[0].clientOptions.initializationOptions, {});
});

test('a case-result lens runs `policy test --policy DIR` in a terminal, without a shell', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-ext-'));
  const file = executable(dir, 'policy');
  const { seen } = await activate({ serverPath: file });
  seen.commands['policy.runCases']('/规则 集/policies');
  assert.strictEqual(seen.terminals.length, 1);
  const [t] = seen.terminals;
  assert.deepStrictEqual(
    { shellPath: t.options.shellPath, shellArgs: t.options.shellArgs, cwd: t.options.cwd },
    { shellPath: file, shellArgs: ['test', '--policy', '/规则 集/policies'], cwd: '/规则 集/policies' },
  );
  assert.ok(t.shown);
  const missing = await activate({ serverPath: '/nonexistent/policy' });
  missing.seen.commands['policy.runCases']('/x');
  assert.strictEqual(missing.seen.terminals.length, 0);
  assert.strictEqual(missing.seen.errors.length, 2, 'not found, at start and at the lens');
});

test('"use this facts file" sets policy.factsFile for the workspace, and only for a facts file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-ext-'));
  const file = executable(dir, 'policy');
  const facts = path.join(dir, 'cluster.yaml');
  const { seen } = await activate({ serverPath: file, workspace: dir, activeFile: facts });
  await seen.commands['policy.useFactsFile']();
  assert.deepStrictEqual(seen.updates, [{ key: 'factsFile', value: facts, target: 2 }]);
  const rule = await activate({ serverPath: file, workspace: dir, activeFile: path.join(dir, 'a.policy') });
  await rule.seen.commands['policy.useFactsFile']();
  assert.deepStrictEqual(rule.seen.updates, []);
  assert.match(rule.seen.errors[0].message, /请先打开一个事实文件[\s\S]*Open a facts file/);
});

test('a program that fails to start `lsp` is reported in Chinese and English', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-ext-'));
  const file = executable(dir, 'policy');
  const { seen } = await activate({ serverPath: file, startError: new Error('exited with code 2') });
  assert.strictEqual(seen.errors.length, 1);
  assert.match(seen.errors[0].message, /无法启动语言服务器/);
  assert.match(seen.errors[0].message, /Could not start the language server/);
  assert.match(seen.errors[0].message, /exited with code 2/);
});

test('findServer looks a bare name up on PATH and takes a name with a folder as a path', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-path-'));
  const file = executable(dir, 'policy');
  fs.writeFileSync(path.join(dir, 'notexec'), 'x');
  fs.mkdirSync(path.join(dir, 'folder'));
  const env = { PATH: ['/nonexistent', dir].join(path.delimiter) };
  assert.strictEqual(findServer('policy', env, 'linux'), file);
  assert.strictEqual(findServer('policy', { PATH: '/nonexistent' }, 'linux'), null);
  assert.strictEqual(findServer(file, { PATH: '' }, 'linux'), file);
  assert.strictEqual(findServer('./policy', { PATH: '' }, 'linux', dir), file);
  assert.strictEqual(findServer('notexec', env, 'linux'), null, 'not executable');
  assert.strictEqual(findServer('folder', env, 'linux'), null, 'a folder');
  assert.strictEqual(findServer('', env, 'linux'), null);
  assert.strictEqual(findServer('  ', env, 'linux'), null);
});

test('the messages name the setting in both languages', () => {
  assert.match(notFoundMessage(''), /policy\.server\.path = “\(空 \/ empty\)”/);
  assert.match(startFailedMessage('/bin/policy', new Error('boom')), /“\/bin\/policy lsp”：boom/);
});
