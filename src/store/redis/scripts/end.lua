-- End a stream: append the end event (never in meta, so never evicted), move the state to the
-- tombstone, let every key expire after the end retention, publish.
-- ARGV: channel now_ms end_retention_ms status size record publish_command
-- Returns {'ok', epoch, seq} | {'already', epoch, seq} | {'not_found'} | {'legacy'}
local state, buffer, meta, tomb = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local channel, now, retention = ARGV[1], ARGV[2], ARGV[3]

if is_legacy(buffer) then
  return {'legacy'}
end
local t = redis.call('HMGET', tomb, 'epoch', 'last_seq')
if t[1] then
  return {'already', t[1], tonumber(t[2])}
end
local f = redis.call('HMGET', state, 'epoch', 'last_seq', 'bytes', 'status')
if not f[1] then
  return {'not_found'}
end
if f[4] and f[4] ~= 'open' then
  return {'already', f[1], tonumber(f[2])}
end
local seq = (tonumber(f[2]) or 0) + 1
local m = fmt(seq) .. ':' .. ARGV[6]
redis.call('ZADD', buffer, fmt(seq), m)
redis.call('HSET', state, 'last_seq', fmt(seq), 'status', ARGV[4], 'updated_ms', now,
           'ended_ms', now, 'bytes', fmt((tonumber(f[3]) or 0) + tonumber(ARGV[5])))
redis.call('RENAME', state, tomb)
redis.call('PEXPIRE', tomb, retention)
redis.call('PEXPIRE', buffer, retention)
redis.call('PEXPIRE', meta, retention)
publish(ARGV[7], channel, live_message(f[1], {m}))
return {'ok', f[1], seq}
