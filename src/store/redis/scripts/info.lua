-- The facts of one stream for GET /v1/streams/{id}.
-- KEYS: state buffer tomb
-- Returns {'ok', epoch, status, last_seq, first_seq, count, bytes, trimmed, buffer_limit,
--          max_bytes, created_ms, updated_ms, pttl} | {'not_found'} | {'legacy'}
local state, buffer, tomb = KEYS[1], KEYS[2], KEYS[3]
if is_legacy(buffer) then
  return {'legacy'}
end
local key = state
local fields = {'epoch', 'status', 'last_seq', 'bytes', 'trimmed', 'buffer_limit', 'max_bytes',
                'created_ms', 'updated_ms'}
local f = redis.call('HMGET', state, unpack(fields))
if not f[1] then
  key = tomb
  f = redis.call('HMGET', tomb, unpack(fields))
  if not f[1] then
    return {'not_found'}
  end
end
local first = redis.call('ZRANGE', buffer, 0, 0, 'WITHSCORES')
local first_seq = 0
if #first == 2 then
  first_seq = tonumber(first[2])
end
return {'ok', f[1], f[2] or 'open', tonumber(f[3]) or 0, first_seq, redis.call('ZCARD', buffer),
        tonumber(f[4]) or 0, tonumber(f[5]) or 0, f[6] or '', f[7] or '', f[8] or '', f[9] or '',
        redis.call('PTTL', key)}
