-- Shared by every script of the Redis store (prepended to each one before loading).
-- Key layout: KEYS are always state, buffer, meta, tomb of ONE stream; {id} is a hash tag, so they
-- share a slot and one script may touch them all.
--   state  hash   epoch status last_seq created_ms updated_ms buffer_limit max_bytes ttl_ms
--                 bytes trimmed recent v checkpoint   (the stream while it is open; checkpoint:
--                 the latest checkpoint's seq, absent when none)
--   buffer zset   score seq, member "<seq>:<record>" (payloads by seq; ZRANGEBYSCORE replays)
--   meta   zset   score priority*2^40+seq, member "<seq>:<size>" (eviction order: ZPOPMIN is
--                 the lowest priority, then the oldest; the end event is never in it)
--   tomb   hash   the state hash renamed by end(): the facts of an ended stream
-- Numbers are formatted with %d: Lua's default %.14g would print large seqs in exponent form.
local P40 = 1099511627776
local RECENT_MAX = 16

local function fmt(n)
  return string.format('%d', n)
end

local function is_legacy(buffer)
  return redis.call('TYPE', buffer).ok == 'list'
end

-- recent appends for Producer-Seq retries: "first,count,trimmed;..." (oldest first), so that a
-- retry answers what the original did. Entries written before the trimmed count was kept are
-- "first,count" and answer 0.
-- Returns the original's trimmed count, or false when no recent append matches.
local function find_recent(recent, first, count)
  if not recent then
    return false
  end
  for e in string.gmatch(recent, '[^;]+') do
    local f, c, t = string.match(e, '^(%d+),(%d+),?(%d*)$')
    if f and tonumber(f) == first and tonumber(c) == count then
      return tonumber(t) or 0
    end
  end
  return false
end

local function push_recent(recent, first, count, trimmed)
  local entries = {}
  if recent then
    for e in string.gmatch(recent, '[^;]+') do
      entries[#entries + 1] = e
    end
  end
  entries[#entries + 1] = fmt(first) .. ',' .. fmt(count) .. ',' .. fmt(trimmed)
  local from = math.max(1, #entries - RECENT_MAX + 1)
  local kept = {}
  for i = from, #entries do
    kept[#kept + 1] = entries[i]
  end
  return table.concat(kept, ';')
end

-- ZADD in chunks: unpack() of a huge table would overflow Lua's C stack.
local function zadd_chunked(key, args)
  local i = 1
  while i <= #args do
    local j = math.min(i + 999, #args)
    redis.call('ZADD', key, unpack(args, i, j))
    i = j + 1
  end
end

-- Live message: "<epoch>\n" then, per event, "<len>:<member>" where member is "<seq>:<record>".
-- The records travel with the message, so subscribers need no read.
local function live_message(epoch, members)
  local parts = {epoch, '\n'}
  for _, m in ipairs(members) do
    parts[#parts + 1] = fmt(#m)
    parts[#parts + 1] = ':'
    parts[#parts + 1] = m
  end
  return table.concat(parts)
end

-- Publishes message on channel with command, which the gateway passes as an argument: PUBLISH,
-- or SPUBLISH on a cluster (sharded pub/sub: the message stays in the channel's shard).
local function publish(command, channel, message)
  if command ~= 'PUBLISH' and command ~= 'SPUBLISH' then
    error('publish command must be PUBLISH or SPUBLISH, got ' .. tostring(command))
  end
  redis.call(command, channel, message)
end
