-- Run by smoke.sh: open a rule file with an error under `policy lsp` and wait for the
-- server's diagnostics. Writes what it saw to stdout and exits 0 (diagnostics arrived) or 1.
local program = assert(os.getenv('POLICY_PROGRAM'))
local file = assert(os.getenv('POLICY_FILE'))
local out = function(s) io.stdout:write(s .. '\n') end

require('policy').setup({ cmd = { program, 'lsp' } })
vim.cmd('edit ' .. vim.fn.fnameescape(file))

local buf = vim.api.nvim_get_current_buf()
if vim.bo[buf].filetype ~= 'policy' then
  out('FAIL: filetype is "' .. vim.bo[buf].filetype .. '", not policy')
  vim.cmd('cquit 1')
end

local got = vim.wait(20000, function()
  return #vim.diagnostic.get(buf) > 0
end, 100)

local attached = #vim.lsp.get_active_clients({ bufnr = buf }) > 0
  or next(vim.lsp.buf_get_clients(buf)) ~= nil
out('client attached: ' .. tostring(attached))
for _, d in ipairs(vim.diagnostic.get(buf)) do
  out(('diagnostic %d:%d %s'):format(d.lnum + 1, d.col + 1, (d.message:gsub('\n', ' '))))
end
if got then
  out('OK: policy lsp published diagnostics for a broken rule file')
  vim.cmd('qall!')
else
  out('FAIL: no diagnostics within 20 s')
  vim.cmd('cquit 1')
end
