-- Restart an open stream's idle lifetime as an append does (every key PEXPIREd with the stream's
-- own ttl_ms), without appending. An ended stream keeps its end retention.
-- KEYS: state buffer meta tomb. Returns {'ok'} | {'not_found'} | {'legacy'}
local state, buffer, meta, tomb = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
if is_legacy(buffer) then
  return {'legacy'}
end
local ttl = redis.call('HGET', state, 'ttl_ms')
if not ttl then
  if redis.call('EXISTS', tomb) == 1 then
    return {'ok'}
  end
  return {'not_found'}
end
redis.call('PEXPIRE', state, ttl)
redis.call('PEXPIRE', buffer, ttl)
redis.call('PEXPIRE', meta, ttl)
return {'ok'}
