-- Upgrade one stream from the v1.10 layout (buffer = list of zstd JSON events, no meta) to this
-- one, atomically. The gateway read and decoded the list; if the list changed since (a v1.10
-- node still writing), nothing is done and the gateway reads again.
-- Elements the gateway could not decode are never dropped: they go, as they were, to the
-- quarantine list (with the stream's TTL), and the seqs they may have held to the state's
-- 'unreadable' field, so that resumes announce them as unreadable instead of trimmed.
-- KEYS: state buffer meta tomb quarantine
-- ARGV: expected_len expected_first expected_last new_epoch now_ms def_limit def_max_bytes
--       def_ttl_ms count, then per event: seq priority size is_end record,
--       then unreadable_ranges ("from-to,..." or '') last_seq_floor kept_count, kept elements
-- Returns {'migrated', count} | {'done'} (not legacy any more) | {'changed'}
local state, buffer, meta, tomb, quarantine = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
if not is_legacy(buffer) then
  return {'done'}
end
if redis.call('LLEN', buffer) ~= tonumber(ARGV[1]) or redis.call('LINDEX', buffer, 0) ~= ARGV[2]
    or redis.call('LINDEX', buffer, -1) ~= ARGV[3] then
  return {'changed'}
end
local pttl = redis.call('PTTL', buffer)
local f = redis.call('HMGET', state, 'epoch', 'status', 'last_seq', 'ttl_ms', 'buffer_limit',
                     'trimmed', 'created_ms', 'updated_ms')
redis.call('DEL', buffer, meta)

local n = tonumber(ARGV[9])
local bytes, max_seq = 0, 0
local buffer_args, meta_args = {}, {}
for i = 1, n do
  local base = 9 + (i - 1) * 5
  local seq, prio, size = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]),
                          tonumber(ARGV[base + 3])
  buffer_args[#buffer_args + 1] = fmt(seq)
  buffer_args[#buffer_args + 1] = fmt(seq) .. ':' .. ARGV[base + 5]
  if ARGV[base + 4] ~= '1' then
    meta_args[#meta_args + 1] = fmt(prio * P40 + seq)
    meta_args[#meta_args + 1] = fmt(seq) .. ':' .. fmt(size)
  end
  bytes = bytes + size
  max_seq = math.max(max_seq, seq)
end
zadd_chunked(buffer, buffer_args)
zadd_chunked(meta, meta_args)

local rest = 10 + n * 5
local ranges, kept = ARGV[rest], tonumber(ARGV[rest + 2])
max_seq = math.max(max_seq, tonumber(ARGV[rest + 1]))
local i = 1
while i <= kept do  -- RPUSH in chunks, as zadd_chunked
  local j = math.min(i + 999, kept)
  redis.call('RPUSH', quarantine, unpack(ARGV, rest + 2 + i, rest + 2 + j))
  i = j + 1
end

local status = f[2] or 'open'
redis.call('HSET', state, 'epoch', f[1] or ARGV[4], 'status', status,
           'last_seq', fmt(math.max(tonumber(f[3]) or 0, max_seq)),
           'created_ms', f[7] or ARGV[5], 'updated_ms', f[8] or ARGV[5],
           'buffer_limit', f[5] or ARGV[6], 'max_bytes', ARGV[7], 'ttl_ms', f[4] or ARGV[8],
           'bytes', fmt(bytes), 'trimmed', f[6] or '0', 'v', '2')
if ranges ~= '' then
  redis.call('HSET', state, 'unreadable', ranges)
end
local target = state
if status ~= 'open' then
  redis.call('DEL', tomb)
  redis.call('RENAME', state, tomb)
  target = tomb
end
-- Keep the stream's remaining lifetime; a legacy stream without one gets the normal TTL.
local ttl = pttl > 0 and pttl or tonumber(f[4] or ARGV[8])
redis.call('PEXPIRE', target, ttl)
redis.call('PEXPIRE', buffer, ttl)
redis.call('PEXPIRE', meta, ttl)
if kept > 0 then
  redis.call('PEXPIRE', quarantine, ttl)
end
return {'migrated', n}
