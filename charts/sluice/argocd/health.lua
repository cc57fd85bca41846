-- Argo CD health of sluice.dev Sources, Destinations and TrackingPlans, read from the
-- kstatus conditions the operator writes (Ready, Reconciling, Stalled) and observedGeneration.
-- Argo CD runs Lua 5.1 (gopher-lua): keep to that dialect.
--
--   Progressing  the operator has not seen the current generation yet, has written no
--                conditions, is working (Reconciling=True), or waits (Ready=False with a
--                waiting reason, Ready=Unknown)
--   Degraded     Stalled=True (the spec must change; message: the Stalled message), or
--                Ready=False for any other reason (e.g. DeliveryFailing)
--   Healthy      Ready=True for the current generation
local hs = {}

local function waiting(reason)
  if reason == nil then
    return false
  end
  if reason == "Progressing" or reason == "Pending" or reason == "Reconciling" or reason == "Initializing" then
    return true
  end
  return string.find(reason, "^Waiting") ~= nil or string.find(reason, "InProgress$") ~= nil
end

local function describe(c, fallback)
  if c.message ~= nil and c.message ~= "" then
    return c.message
  end
  if c.reason ~= nil and c.reason ~= "" then
    return c.reason
  end
  return fallback
end

local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
end

if obj.status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end

local observed = obj.status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.status = "Progressing"
  if observed == nil then
    hs.message = string.format("Waiting for the operator to observe generation %d", generation)
  else
    hs.message = string.format("Waiting for the operator to observe generation %d (observed %d)", generation, observed)
  end
  return hs
end

local ready, reconciling, stalled = nil, nil, nil
if obj.status.conditions ~= nil then
  for _, c in ipairs(obj.status.conditions) do
    if c.type == "Ready" then
      ready = c
    elseif c.type == "Reconciling" then
      reconciling = c
    elseif c.type == "Stalled" then
      stalled = c
    end
  end
end

if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(stalled, "Stalled")
  return hs
end

if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the Ready condition"
  return hs
end

-- A condition written for an older generation says nothing about the current spec.
if generation ~= nil and ready.observedGeneration ~= nil and ready.observedGeneration < generation then
  hs.status = "Progressing"
  hs.message = string.format("Waiting for the Ready condition of generation %d", generation)
  return hs
end

if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready, "Ready")
  return hs
end

if reconciling ~= nil and reconciling.status == "True" then
  hs.status = "Progressing"
  hs.message = describe(reconciling, "Reconciling")
  return hs
end

if ready.status == "False" and not waiting(ready.reason) then
  hs.status = "Degraded"
  hs.message = describe(ready, "Not ready")
  return hs
end

hs.status = "Progressing"
hs.message = describe(ready, "Waiting for the operator")
return hs
