-- Neovim support for policy rule files (*.policy): the `policy` file type, `#` comments and
-- the language server `policy lsp`. Works with Neovim 0.7 (Debian 12) and later.
--
-- Use it from init.lua, with this folder on 'runtimepath' or the file copied to lua/policy.lua:
--
--   require('policy').setup()                                  -- `policy` on PATH
--   require('policy').setup({ cmd = { '/opt/policy/policy', 'lsp' } })
local M = {}

local clients = {} -- Neovim 0.7 has no vim.lsp.start: one client per rule-set folder

local function message(program)
  return ('未找到 policy 程序（%s），语言服务器未启动。请把它所在的文件夹加入 PATH，' ..
    '或在 setup({ cmd = { "/完整/路径/policy", "lsp" } }) 中写明。 — The policy program (%s) ' ..
    'was not found, so the language server did not start. Put its folder on PATH or give its ' ..
    'full path in setup({ cmd = { "/full/path/policy", "lsp" } }).'):format(program, program)
end

local function start(buf, cmd)
  if vim.fn.executable(cmd[1]) ~= 1 then
    vim.notify(message(cmd[1]), vim.log.levels.WARN)
    return
  end
  -- A rule set is a folder of .policy files: the server works on the file's folder.
  local root = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(buf), ':p:h')
  local config = { name = 'policy', cmd = cmd, root_dir = root }
  if vim.lsp.start then
    vim.lsp.start(config, { bufnr = buf })
    return
  end
  local id = clients[root]
  if not id or vim.lsp.client_is_stopped(id) then
    id = vim.lsp.start_client(config)
    clients[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(buf, id)
  end
end

function M.setup(opts)
  opts = opts or {}
  local cmd = opts.cmd or { 'policy', 'lsp' }
  local group = vim.api.nvim_create_augroup('policy', { clear = true })
  vim.api.nvim_create_autocmd({ 'BufRead', 'BufNewFile' }, {
    group = group,
    pattern = '*.policy',
    command = 'setfiletype policy',
  })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = 'policy',
    callback = function(args)
      vim.bo[args.buf].commentstring = '# %s'
      vim.bo[args.buf].comments = ':#'
      start(args.buf, cmd)
    end,
  })
end

return M
