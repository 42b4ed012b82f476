-- POST the bodies of the files named after `--` in turn (wrk -s post_bodies.lua URL -- a.txt b.txt).
-- The Cookie, X-CSRFToken and Content-Type headers come from wrk's -H options.
local bodies, sent = {}, 0

function init(args)
  for i, path in ipairs(args) do
    local file = assert(io.open(path, "r"))
    bodies[i] = file:read("*a")
    file:close()
  end
end

function request()
  sent = sent + 1
  return wrk.format("POST", nil, nil, bodies[(sent % #bodies) + 1])
end
