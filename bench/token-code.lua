-- wrk: the authorization code exchange, each request with a code of its
-- own from a pre-minted pool (codes are single use).  The pool file
-- holds one form body per line; of n threads, thread i takes lines i,
-- i + n, i + 2n, ...  Arguments: the pool file, n.
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local bodies, pos = {}, 1

function init(args)
  local n, i = tonumber(args[2]), 0
  for line in io.lines(args[1]) do
    if i % n == id then bodies[#bodies + 1] = line end
    i = i + 1
  end
end

function request()
  -- An exhausted pool shows as non-2xx answers, never as a reuse.
  local body = bodies[pos] or "grant_type=authorization_code&code=exhausted"
  pos = pos + 1
  return wrk.format("POST", nil,
    { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
