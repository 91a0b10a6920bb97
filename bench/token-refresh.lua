-- wrk: refresh token rotation.  One connection per thread (-t = -c), so
-- that each connection follows its own chain: every answer's
-- refresh_token is sent with the next request.  Thread i starts from
-- line i of the file (a pre-minted refresh token per chain).
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local rt, client = nil, nil

function init(args)
  local i = 0
  client = args[2]
  for line in io.lines(args[1]) do
    if i == id then rt = line end
    i = i + 1
  end
end

function request()
  return wrk.format("POST", nil,
    { ["Content-Type"] = "application/x-www-form-urlencoded" },
    "grant_type=refresh_token&client_id=" .. client .. "&refresh_token=" .. rt)
end

function response(status, headers, body)
  local next = body:match('"refresh_token":%s*"([^"]+)"')
  -- A broken chain stays broken: every later answer is non-2xx.
  if status == 200 and next ~= nil then rt = next end
end
