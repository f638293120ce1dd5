-- Argo CD health check for posture.dev/SecurityBaseline (Lua 5.1, Argo CD's layout:
-- resource_customizations/<group>/<kind>/health.lua). The same script is in argocd-cm-patch.yaml.
--   Progressing: no status yet, or the status describes an older generation of the spec
--   Degraded:    Stalled=True, or Ready=False with reason InvalidSpec
--   Progressing: Reconciling=True (a staged rollout, spec.rollout, is moving namespaces)
--   Healthy:     Ready=True for the current generation
--   Progressing: anything else (namespaces still being enforced)
local hs = {}

local function findCondition(conditions, conditionType)
  if conditions == nil then
    return nil
  end
  for _, condition in ipairs(conditions) do
    if condition.type == conditionType then
      return condition
    end
  end
  return nil
end

-- The message of the first of the two conditions that has one, else the default.
local function messageOf(default, first, second)
  if first ~= nil and first.message ~= nil and first.message ~= "" then
    return first.message
  end
  if second ~= nil and second.message ~= nil and second.message ~= "" then
    return second.message
  end
  return default
end

local status = obj.status
if status == nil or status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end

local generation = obj.metadata.generation
if generation ~= nil and status.observedGeneration ~= generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end

local ready = findCondition(status.conditions, "Ready")
local reconciling = findCondition(status.conditions, "Reconciling")
local stalled = findCondition(status.conditions, "Stalled")

if (stalled ~= nil and stalled.status == "True")
    or (ready ~= nil and ready.status == "False" and ready.reason == "InvalidSpec") then
  hs.status = "Degraded"
  hs.message = messageOf("SecurityBaseline is stalled", stalled, ready)
  return hs
end

if reconciling ~= nil and reconciling.status == "True" then
  hs.status = "Progressing"
  hs.message = messageOf("SecurityBaseline is progressing", reconciling, ready)
  return hs
end

if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = messageOf("SecurityBaseline is ready", ready)
  return hs
end

hs.status = "Progressing"
hs.message = messageOf("Waiting for the SecurityBaseline to become ready", reconciling, ready)
return hs
