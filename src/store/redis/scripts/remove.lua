-- Delete a stream (any layout) and tell every node's listeners it is gone.
-- ARGV: channel publish_command. Returns {'ok'} | {'not_found'}
local state, buffer, meta, tomb = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local epoch = redis.call('HGET', state, 'epoch') or redis.call('HGET', tomb, 'epoch')
if not epoch and redis.call('EXISTS', buffer) == 0 then
  return {'not_found'}
end
redis.call('DEL', state, buffer, meta, tomb)
publish(ARGV[2], ARGV[1], '!' .. (epoch or ''))
return {'ok'}
