-- wrk script of bench/davit_bench.py: every request is a PUT of a new file with its own content.
--   wrk -tT -cC -dDs -s bench/wrk-put.lua http://127.0.0.1:PORT/some/folder/ -- SIZE [BASIC_AUTH_BASE64]
-- The folder (the URL's path, ending in /) must exist. Paths are <folder>p<thread>-<n>.bin, distinct across
-- threads and connections. Each body starts with its own path, so no server can store two PUTs as one object.
-- At the end it prints "BENCH_PUT ok=N bad=M" (2xx and other answers, summed over the threads).
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  size = tonumber(args[1]) or 1024
  if args[2] ~= nil and args[2] ~= "" then
    wrk.headers["Authorization"] = "Basic " .. args[2]
  end
  wrk.headers["Content-Type"] = "application/octet-stream"
  folder = wrk.path
  filler = string.rep("0123456789abcdef", math.ceil(size / 16))
  n, ok, bad = 0, 0, 0
end

function request()
  n = n + 1
  local path = string.format("%sp%d-%07d.bin", folder, tid, n)
  local body = string.sub(path .. "\n" .. filler, 1, size)
  return wrk.format("PUT", path, nil, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else bad = bad + 1 end
end

function done(summary, latency, requests)
  local o, b = 0, 0
  for _, t in ipairs(threads) do
    o = o + t:get("ok")
    b = b + t:get("bad")
  end
  io.write(string.format("BENCH_PUT ok=%d bad=%d\n", o, b))
end
