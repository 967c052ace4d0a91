-- Append a batch: idempotency, ended check, seqs, payloads + metadata, eviction under both
-- limits, TTLs, publish. One round trip, atomic.
-- ARGV: channel now_ms new_epoch def_limit def_max_bytes def_ttl_ms opt_limit opt_ttl_ms
--       producer_seq count checkpoint publish_command, then per event: priority size record
--       (checkpoint: the 1-based index in the batch of its last checkpoint event, 0 for none;
--       publish_command: PUBLISH, or SPUBLISH on a cluster)
-- Returns {'ok', epoch, first, last, created, {seq,prio,size,...evicted}, count, bytes,
--          superseded} (superseded: how many of the first victims a checkpoint superseded)
--      or {'dup', epoch, first, last, trimmed} | {'ended', epoch, last} | {'conflict', epoch, next}
--      or {'legacy'} (the gateway upgrades the stream and calls again)
local state, buffer, meta, tomb = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local channel, now = ARGV[1], ARGV[2]
local ps = tonumber(ARGV[9])
local n = tonumber(ARGV[10])

if is_legacy(buffer) then
  return {'legacy'}
end

local f = redis.call('HMGET', state, 'epoch', 'last_seq', 'buffer_limit', 'max_bytes', 'ttl_ms',
                     'bytes', 'trimmed', 'recent', 'status', 'checkpoint')
local epoch = f[1]
local created = 0
if not epoch then
  local t = redis.call('HMGET', tomb, 'epoch', 'last_seq', 'recent')
  if t[1] then
    local dup = ps and find_recent(t[3], ps, n)
    if dup then
      return {'dup', t[1], ps, ps + n - 1, dup}
    end
    return {'ended', t[1], tonumber(t[2])}
  end
  if ps and ps ~= 1 then
    return {'conflict', '', 1}
  end
  -- Leftovers of an incarnation whose keys did not all expire at the same instant.
  redis.call('DEL', buffer, meta)
  epoch = ARGV[3]
  f = {epoch, '0', ARGV[7] ~= '' and ARGV[7] or ARGV[4], ARGV[5],
       ARGV[8] ~= '' and ARGV[8] or ARGV[6], '0', '0', false, 'open', false}
  redis.call('HSET', state, 'epoch', epoch, 'status', 'open', 'created_ms', now,
             'buffer_limit', f[3], 'max_bytes', f[4], 'ttl_ms', f[5], 'v', '2')
  created = 1
end

local last = tonumber(f[2]) or 0
if ps and ps ~= last + 1 then
  local dup = find_recent(f[8], ps, n)
  if dup then
    return {'dup', epoch, ps, ps + n - 1, dup}
  end
  if f[9] and f[9] ~= 'open' then
    return {'ended', epoch, last}
  end
  return {'conflict', epoch, last + 1}
end
if f[9] and f[9] ~= 'open' then
  return {'ended', epoch, last}
end

local limit = tonumber(f[3]) or tonumber(ARGV[4])
local max_bytes = tonumber(f[4]) or tonumber(ARGV[5])
local ttl = tonumber(f[5]) or tonumber(ARGV[6])
local bytes = tonumber(f[6]) or 0
local trimmed = tonumber(f[7]) or 0
-- The latest checkpoint's seq. The field is additive: a stream written before it
-- existed (or by an older gateway) has none, which reads as "no checkpoint", so no layout
-- version bump and no migration; an older gateway ignores the field.
local checkpoint = tonumber(f[10]) or 0
local batch_checkpoint = tonumber(ARGV[11]) or 0
if batch_checkpoint > 0 then
  checkpoint = last + batch_checkpoint
end

local members, buffer_args, meta_args = {}, {}, {}
for i = 1, n do
  local base = 12 + (i - 1) * 3
  local prio, size = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2])
  local seq = last + i
  local m = fmt(seq) .. ':' .. ARGV[base + 3]
  members[i] = m
  buffer_args[#buffer_args + 1] = fmt(seq)
  buffer_args[#buffer_args + 1] = m
  meta_args[#meta_args + 1] = fmt(prio * P40 + seq)
  meta_args[#meta_args + 1] = fmt(seq) .. ':' .. fmt(size)
  bytes = bytes + size
end
zadd_chunked(buffer, buffer_args)
zadd_chunked(meta, meta_args)

-- The oldest event older than the checkpoint: the oldest of each priority below it (one
-- ZRANGEBYSCORE LIMIT 1 per priority on meta, O(log n), no payload read), the lowest seq of
-- those. Returns its meta member and priority, or nil.
local MAX_PRIORITY = 3
local function oldest_superseded()
  local best, best_prio, best_seq = nil, nil, nil
  for p = 0, MAX_PRIORITY do
    local m = redis.call('ZRANGEBYSCORE', meta, fmt(p * P40), '(' .. fmt(p * P40 + checkpoint),
                         'LIMIT', 0, 1)
    if #m > 0 then
      local seq = tonumber(string.sub(m[1], 1, string.find(m[1], ':', 1, true) - 1))
      if not best_seq or seq < best_seq then
        best, best_prio, best_seq = m[1], p, seq
      end
    end
  end
  return best, best_prio
end

-- Evict what a checkpoint supersedes first, oldest first; then by priority then age: each
-- victim is one ZPOPMIN on meta and one removal by score on buffer, O(log n); no other event
-- is read.
local count = redis.call('ZCARD', buffer)
local evicted = {}
local superseded = 0
while count > limit or bytes > max_bytes do
  local member, prio = nil, nil
  if checkpoint > 0 then
    member, prio = oldest_superseded()
  end
  if member then
    redis.call('ZREM', meta, member)
    superseded = superseded + 1
  else
    local v = redis.call('ZPOPMIN', meta)
    if #v == 0 then
      break
    end
    member, prio = v[1], math.floor(tonumber(v[2]) / P40)
    checkpoint = 0  -- nothing older is left: later victims go by priority
  end
  local sep = string.find(member, ':', 1, true)
  local seq = tonumber(string.sub(member, 1, sep - 1))
  local size = tonumber(string.sub(member, sep + 1))
  redis.call('ZREMRANGEBYSCORE', buffer, fmt(seq), fmt(seq))
  evicted[#evicted + 1] = seq
  evicted[#evicted + 1] = prio
  evicted[#evicted + 1] = size
  count = count - 1
  bytes = bytes - size
end
trimmed = trimmed + #evicted / 3

redis.call('HSET', state, 'last_seq', fmt(last + n), 'updated_ms', now, 'bytes', fmt(bytes),
           'trimmed', fmt(trimmed), 'recent',
           push_recent(f[8], last + 1, n, #evicted / 3))
if batch_checkpoint > 0 then
  redis.call('HSET', state, 'checkpoint', fmt(last + batch_checkpoint))
end
redis.call('PEXPIRE', state, ttl)
redis.call('PEXPIRE', buffer, ttl)
redis.call('PEXPIRE', meta, ttl)
publish(ARGV[12], channel, live_message(epoch, members))
return {'ok', epoch, last + 1, last + n, created, evicted, count, bytes, superseded}
