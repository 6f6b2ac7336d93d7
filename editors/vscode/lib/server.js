// Finding the `policy` program that runs the language server, and the messages shown when
// it cannot be found or does not start. No `vscode` here, so the tests run it under Node.
'use strict';

const fs = require('fs');
const path = require('path');

/**
 * The executable file that `command` (the `policy.server.path` setting) names, or null.
 * A command with a folder in it (`./target/release/policy`, `C:\policy\policy.exe`) is taken
 * as a path, relative ones against `cwd`; a bare name is looked up on PATH (with PATHEXT on
 * Windows), as the operating system would when starting it.
 */
function findServer(command, env = process.env, platform = process.platform, cwd = process.cwd()) {
  const name = String(command || '').trim();
  if (!name) return null;
  const windows = platform === 'win32';
  const p = windows ? path.win32 : path.posix;
  const exts = windows
    ? ['', ...String(env.PATHEXT || '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean)]
    : [''];
  const hasFolder = name.includes('/') || (windows && name.includes('\\'));
  const candidates = [];
  if (hasFolder || p.isAbsolute(name)) {
    const full = p.isAbsolute(name) ? name : p.join(cwd, name);
    for (const ext of exts) candidates.push(full + ext);
  } else {
    const dirs = String((windows ? env.Path || env.PATH : env.PATH) || '')
      .split(windows ? ';' : ':')
      .filter(Boolean);
    for (const dir of dirs) for (const ext of exts) candidates.push(p.join(dir, name + ext));
  }
  return candidates.find((c) => isExecutable(c, windows)) || null;
}

function isExecutable(file, windows) {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    if (windows) return true;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The message shown when `policy.server.path` names no program: Chinese first, then English. */
function notFoundMessage(command) {
  const shown = String(command || '').trim() || '(空 / empty)';
  return (
    `未找到 policy 程序（设置 policy.server.path = “${shown}”），语言服务器未启动；语法高亮不受影响。` +
    `请把 policy 程序所在的文件夹加入 PATH，或在设置 policy.server.path 中填写它的完整路径` +
    `（如 D:\\policy\\policy.exe）。` +
    ` — The policy program was not found (setting policy.server.path = "${shown}"), so the ` +
    `language server did not start; highlighting still works. Add the folder of the policy ` +
    `program to PATH, or set its full path in the setting policy.server.path.`
  );
}

/** The message shown when the program was found but `policy lsp` did not start. */
function startFailedMessage(file, error) {
  const why = error && error.message ? error.message : String(error);
  return (
    `无法启动语言服务器“${file} lsp”：${why}。这个 policy 程序可能版本过旧，没有 lsp 子命令。` +
    ` — Could not start the language server "${file} lsp": ${why}. This policy program may be ` +
    `too old to have the lsp subcommand.`
  );
}

/** The command line of a case-result code lens: `policy test --policy DIR`, run in DIR. */
function runCasesCommand(file, dir) {
  const folder = String(dir || '.');
  return { command: file, args: ['test', '--policy', folder], cwd: folder };
}

/**
 * The server's initializationOptions: `facts`, the facts file whose values the inlay hints
 * show (the setting policy.factsFile, relative to the workspace folder), when one is set.
 * The language of the messages follows VS Code's display language (the client's locale).
 */
function initializationOptions(factsFile, cwd) {
  const facts = String(factsFile || '').trim();
  return facts ? { facts: path.resolve(cwd, facts) } : {};
}

module.exports = { findServer, notFoundMessage, startFailedMessage, runCasesCommand, initializationOptions };
