// The VS Code client of the policy language server: starts `policy lsp` over stdio for
// `*.policy` files (language id `policy`).
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');
const path = require('path');
const {
  findServer,
  notFoundMessage,
  startFailedMessage,
  runCasesCommand,
  initializationOptions,
} = require('./lib/server');

const OPEN_SETTINGS = '打开设置 Open Settings';

let client;
let program; // the `policy` program found at the last start

function workspaceDir() {
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  return folder ? folder.uri.fsPath : process.cwd();
}

async function start() {
  const config = vscode.workspace.getConfiguration('policy');
  const command = config.get('server.path', 'policy');
  const file = findServer(command, process.env, process.platform, workspaceDir());
  program = file || undefined;
  if (!file) {
    // Not awaited: activation does not wait for the message to be dismissed.
    vscode.window.showErrorMessage(notFoundMessage(command), OPEN_SETTINGS).then((choice) => {
      if (choice === OPEN_SETTINGS) {
        vscode.commands.executeCommand('workbench.action.openSettings', 'policy.server.path');
      }
    });
    return;
  }
  const server = { command: file, args: ['lsp'] };
  client = new LanguageClient(
    'policy',
    '政策规则 Policy',
    { run: server, debug: server },
    {
      documentSelector: [{ language: 'policy' }],
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.policy') },
      initializationOptions: initializationOptions(config.get('factsFile', ''), workspaceDir()),
    },
  );
  try {
    await client.start();
  } catch (error) {
    client = undefined;
    vscode.window.showErrorMessage(startFailedMessage(file, error));
  }
}

async function stop() {
  const running = client;
  client = undefined;
  if (running) {
    try {
      await running.stop();
    } catch {
      // A server that already exited has nothing left to stop.
    }
  }
}

// The code lens of a case result (`▶ 12 通过 · 1 失败`) runs `policy test --policy DIR` in a
// terminal: the program itself, with no shell, so no path needs quoting.
function runCases(dir) {
  if (!program) {
    vscode.window.showErrorMessage(notFoundMessage(vscode.workspace.getConfiguration('policy').get('server.path')));
    return;
  }
  const run = runCasesCommand(program, dir);
  const terminal = vscode.window.createTerminal({
    name: 'policy test',
    shellPath: run.command,
    shellArgs: run.args,
    cwd: run.cwd,
  });
  terminal.show();
}

// Shows the values of the facts file in the active editor beside the facts of the rule files
// (the server's inlay hints), by setting policy.factsFile for this workspace.
async function useFactsFile() {
  const editor = vscode.window.activeTextEditor;
  const file = editor && editor.document.uri.scheme === 'file' ? editor.document.uri.fsPath : '';
  if (!/\.(json|ya?ml|toml)$/i.test(file)) {
    vscode.window.showErrorMessage(
      '请先打开一个事实文件（.json、.yaml、.yml 或 .toml）。 — Open a facts file (.json, .yaml, .yml or .toml) first.',
    );
    return;
  }
  const target = vscode.workspace.workspaceFolders ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration('policy').update('factsFile', path.resolve(file), target);
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('policy.restartServer', async () => {
      await stop();
      await start();
    }),
    vscode.commands.registerCommand('policy.runCases', runCases),
    vscode.commands.registerCommand('policy.useFactsFile', useFactsFile),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration('policy.server.path') || event.affectsConfiguration('policy.factsFile')) {
        await stop();
        await start();
      }
    }),
  );
  await start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
