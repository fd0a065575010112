-- One wrk scenario, configured by environment variables (set by bench/run.sh):
--   BENCH_METHOD, BENCH_PATH, BENCH_CONTENT_TYPE, BENCH_AUTH  the request;
--   BENCH_BODY_FILE    a file holding the body;
--   BENCH_HEADERS      more request headers, "Name: value" pairs separated by ";"
--                      (e.g. the forward-auth headers of a /verify request);
--   BENCH_EXPECT       a string every response body must contain (e.g. a token's
--                      start), besides a 200 status;
--   BENCH_AUTH_FILE    Authorization values, one per line, taken in turn by each
--                      request (instead of BENCH_AUTH);
--   BENCH_AUTH_HEADER  the header BENCH_AUTH_FILE's values go in (default
--                      Authorization; Cookie for the console's signed-in users);
--   BENCH_ROTATE_FILE  rotating refresh tokens, one per line: each request spends one
--                      and its response's new refresh token goes back to the pool, so
--                      every connection follows its own rotation chain;
--   BENCH_DPOP_FILE    DPoP proofs made ahead (latchkey-bench dpop-proofs), one per
--                      line in FILE.<thread id>: each request sends the next one.
-- done() prints one line: BENCH_RESULT {json}.

local expect = os.getenv("BENCH_EXPECT")
local rotate_file = os.getenv("BENCH_ROTATE_FILE")
local auth_file = os.getenv("BENCH_AUTH_FILE")
local auth_header = os.getenv("BENCH_AUTH_HEADER") or "Authorization"
local dpop_file = os.getenv("BENCH_DPOP_FILE")
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  ok, bad = 0, 0
  wrk.method = os.getenv("BENCH_METHOD") or "GET"
  wrk.path = os.getenv("BENCH_PATH") or "/"
  local content_type = os.getenv("BENCH_CONTENT_TYPE")
  if content_type then wrk.headers["Content-Type"] = content_type end
  local auth = os.getenv("BENCH_AUTH")
  if auth then wrk.headers["Authorization"] = auth end
  for pair in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^;]+") do
    local name, value = string.match(pair, "^%s*([^:]+):%s*(.-)%s*$")
    if name then wrk.headers[name] = value end
  end
  local body_file = os.getenv("BENCH_BODY_FILE")
  if body_file then
    local f = assert(io.open(body_file))
    wrk.body = f:read("*a")
    f:close()
  end
  if auth_file then
    auths, next_auth = {}, 0
    for line in io.lines(auth_file) do table.insert(auths, line) end
  end
  if dpop_file then
    proofs = assert(io.open(dpop_file .. "." .. id))
  end
  if rotate_file then
    -- This thread's share of the chains: every n-th line from its id.
    pool = {}
    local n = tonumber(os.getenv("BENCH_THREADS"))
    local line_no = 0
    for token in io.lines(rotate_file) do
      if line_no % n == id then table.insert(pool, token) end
      line_no = line_no + 1
    end
  end
end

if rotate_file or auth_file or dpop_file then
  function request()
    if dpop_file then
      wrk.headers["DPoP"] = proofs:read("*l") or "proofs-exhausted"
    end
    if auth_file then
      next_auth = next_auth % #auths + 1
      wrk.headers[auth_header] = auths[next_auth]
    end
    if rotate_file then
      local token = table.remove(pool) or "pool-exhausted"
      return wrk.format(nil, nil, nil,
        '{"grantType":"refreshToken","refreshToken":"' .. token .. '"}')
    end
    return wrk.format()
  end
end

function response(status, headers, body)
  if status == 200 and (expect == nil or string.find(body, expect, 1, true)) then
    ok = ok + 1
  else
    bad = bad + 1
  end
  if rotate_file then
    local token = string.match(body, '"refreshToken":"([^"]+)"')
    if token then table.insert(pool, token) end
  end
end

function done(summary, latency, requests)
  local total_ok, total_bad = 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_bad = total_bad + thread:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"ok":%d,"bad":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, total_ok, total_bad,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
