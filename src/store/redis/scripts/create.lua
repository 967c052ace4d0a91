-- Create a stream unless it exists (open or ended).
-- ARGV: new_epoch now_ms def_limit def_max_bytes def_ttl_ms opt_limit opt_ttl_ms
-- Returns {'created'|'exists', epoch, buffer_limit, ttl_ms} | {'legacy'}: the limits the stream
-- has (an existing one keeps its own; '' when its hash lacks them: the defaults apply).
local state, buffer, meta, tomb = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
if is_legacy(buffer) then
  return {'legacy'}
end
for _, key in ipairs({state, tomb}) do
  local f = redis.call('HMGET', key, 'epoch', 'buffer_limit', 'ttl_ms')
  if f[1] then
    return {'exists', f[1], f[2] or '', f[3] or ''}
  end
end
redis.call('DEL', buffer, meta)
local limit = ARGV[6] ~= '' and ARGV[6] or ARGV[3]
local ttl = ARGV[7] ~= '' and ARGV[7] or ARGV[5]
redis.call('HSET', state, 'epoch', ARGV[1], 'status', 'open', 'last_seq', '0', 'created_ms',
           ARGV[2], 'updated_ms', ARGV[2], 'buffer_limit', limit, 'max_bytes', ARGV[4], 'ttl_ms',
           ttl, 'bytes', '0', 'trimmed', '0', 'v', '2')
redis.call('PEXPIRE', state, ttl)
return {'created', ARGV[1], limit, ttl}
