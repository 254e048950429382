-- Each request is one of 50 signed-in people (their own session cookie) opening one of their pages.
local cookies = {}
for line in io.lines(os.getenv("COOKIES")) do cookies[#cookies + 1] = line end
local paths = { "/", "/Account/Sessions", "/Account/ChangePassword", "/Account/TwoFactor" }
local threads = {}
local n = 0
function setup(thread) table.insert(threads, thread) end
function init() counts = {} end
function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1], { ["Cookie"] = cookies[(n % #cookies) + 1] })
end
function response(status) counts[status] = (counts[status] or 0) + 1 end
function done()
  local total = {}
  for _, t in ipairs(threads) do
    for status, count in pairs(t:get("counts")) do total[status] = (total[status] or 0) + count end
  end
  local line = "statuses:"
  for status, count in pairs(total) do line = line .. " " .. status .. "=" .. count end
  print(line)
end
