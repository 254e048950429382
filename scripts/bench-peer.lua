-- Requests of one case of scripts/bench-peer.sh, the same script for every case of both apps.
-- PEER_REQUESTS names a file with one request per line: "GET<TAB>path" or "POST<TAB>path<TAB>cookie<TAB>form".
-- PEER_ORDER: "random" (each request picks a line at random) or "roundrobin" (each thread walks the lines in turn).
-- Headers given to wrk with -H (the session cookie, a proxy's forwarded headers) go on every request; a line's own
-- cookie replaces the -H one. Every request string is built once, in init.
-- Each response is counted by status, a redirect with its Location, so that a page answering a redirect to the login
-- page, or a sign-in refused with 200, cannot pass for a success; done() prints the counts on one "statuses:" line.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local requests = {}
local position = 0
local random_order = os.getenv("PEER_ORDER") == "random"

function init(args)
  for line in io.lines(os.getenv("PEER_REQUESTS")) do
    local method, path, cookie, form = line:match("^([^\t]+)\t([^\t]+)\t?([^\t]*)\t?(.*)$")
    local headers = {}
    for name, value in pairs(wrk.headers) do headers[name] = value end
    if cookie ~= "" then headers["Cookie"] = cookie end
    local body = nil
    if method == "POST" then
      headers["Content-Type"] = "application/x-www-form-urlencoded"
      body = form
    end
    requests[#requests + 1] = wrk.format(method, path, headers, body)
  end
  -- Threads start at different lines and draw different random sequences.
  position = id * math.floor(#requests / 2)
  math.randomseed(os.time() * 1000 + id)
  counts = {}
end

function request()
  if random_order then
    return requests[math.random(#requests)]
  end
  position = position % #requests + 1
  return requests[position]
end

function response(status, headers)
  local key = tostring(status)
  if status >= 300 and status < 400 then
    key = key .. ">" .. (headers["Location"] or headers["location"] or "?")
  end
  counts[key] = (counts[key] or 0) + 1
end

function done()
  local total = {}
  for _, thread in ipairs(threads) do
    for key, count in pairs(thread:get("counts")) do total[key] = (total[key] or 0) + count end
  end
  local line = "statuses:"
  for key, count in pairs(total) do line = line .. " " .. key .. "=" .. count end
  print(line)
end
