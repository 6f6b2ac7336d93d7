// The VS Code client of the policy language server: starts `policy lsp` over stdio for
// `*.policy` files (language id `policy`).
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');
const { findServer, notFoundMessage, startFailedMessage } = require('./lib/server');

const OPEN_SETTINGS = '打开设置 Open Settings';

let client;

async function start() {
  const command = vscode.workspace.getConfiguration('policy').get('server.path', 'policy');
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  const file = findServer(command, process.env, process.platform, folder ? folder.uri.fsPath : process.cwd());
  if (!file) {
    const choice = await vscode.window.showErrorMessage(notFoundMessage(command), OPEN_SETTINGS);
    if (choice === OPEN_SETTINGS) {
      vscode.commands.executeCommand('workbench.action.openSettings', 'policy.server.path');
    }
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

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('policy.restartServer', async () => {
      await stop();
      await start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration('policy.server.path')) {
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
