-- Runs an Argo CD health.lua outside Argo CD, for test/unit/argocd.test.ts (Lua 5.1):
--   lua5.1 harness.lua posture.dev/SecurityBaseline/health.lua < object.lua
-- stdin is a Lua chunk that returns the object as a table (the test converts the YAML testdata,
-- since Lua 5.1 has no JSON or YAML library). The script runs with `obj` set and only the
-- libraries Argo CD gives health checks (no io, os, require, load*), so a script that works here
-- does not reach for anything Argo CD does not have. Prints the status on the first line and the
-- message after it.
local scriptPath = assert(arg[1], "usage: lua5.1 harness.lua <health.lua> < object.lua")

local objectChunk = assert(loadstring(io.read("*a"), "=object"))
setfenv(objectChunk, {})
local object = objectChunk()

local sandbox = {
  obj = object,
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = pcall,
  select = select, tonumber = tonumber, tostring = tostring, type = type, unpack = unpack,
  string = string, table = table, math = math,
}
local script = assert(loadfile(scriptPath))
setfenv(script, sandbox)
local hs = script()

if type(hs) ~= "table" then
  error("health script returned " .. type(hs) .. ", not a table")
end
io.write(tostring(hs.status), "\n", tostring(hs.message), "\n")
