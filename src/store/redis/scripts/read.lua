-- Events after a seq, ascending, with the facts a resume needs.
-- KEYS: state buffer tomb. ARGV: after
-- Returns {'ok', epoch, last_seq, ended, {member...}, unreadable, checkpoint} | {'not_found'} |
-- {'legacy'} (unreadable: the seq ranges whose v1.10 elements the upgrade kept aside, '' when
-- none; checkpoint: the latest checkpoint's seq, 0 when none: end renames the state to the tomb,
-- which keeps the field)
local state, buffer, tomb = KEYS[1], KEYS[2], KEYS[3]
if is_legacy(buffer) then
  return {'legacy'}
end
local f = redis.call('HMGET', state, 'epoch', 'last_seq', 'status', 'unreadable', 'checkpoint')
local ended = 0
if not f[1] then
  f = redis.call('HMGET', tomb, 'epoch', 'last_seq', 'status', 'unreadable', 'checkpoint')
  if not f[1] then
    return {'not_found'}
  end
  ended = 1
elseif f[3] and f[3] ~= 'open' then
  ended = 1
end
local members = redis.call('ZRANGEBYSCORE', buffer, '(' .. ARGV[1], '+inf')
return {'ok', f[1], tonumber(f[2]) or 0, ended, members, f[4] or '', tonumber(f[5]) or 0}
