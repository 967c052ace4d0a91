#include "store/redis/lease.hpp"

#include <array>
#include <random>

namespace sse::store {
namespace {

namespace net = boost::asio;
using redis::reply;

// Immortal, like the store's scripts: connections may load them after the lease is gone.
const redis::script& refresh_script() {
  // KEYS: lease. ARGV: token ttl_ms. 1: extended; 0: lost (expired, or claimed by another).
  static const auto* s = new redis::script(R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
)lua");
  return *s;
}

const redis::script& release_script() {
  // KEYS: lease. ARGV: token. 1: deleted (ours); 0: no lease; -1: another node's (left alone).
  static const auto* s = new redis::script(R"lua(
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
if not v then
  return 0
end
return -1
)lua");
  return *s;
}

const redis::script& claim_script() {
  // KEYS: lease. ARGV: token ttl_ms. -1: claimed by this call (the key was gone); otherwise the
  // milliseconds the lease still has. The check and the take are one step: one claimer only.
  static const auto* s = new redis::script(R"lua(
local left = redis.call('PTTL', KEYS[1])
if left == -2 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return -1
end
if left < 0 then
  return tonumber(ARGV[2])
end
return left
)lua");
  return *s;
}

std::string random_suffix() {
  std::random_device rd;
  std::mt19937_64 rng{(static_cast<std::uint64_t>(rd()) << 32) ^ rd()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string s;
  auto v = rng();
  for (int i = 0; i < 12; ++i) {
    s += hex[v & 0xf];
    v >>= 4;
  }
  return s;
}

std::int64_t wall_ms(const core::clock& clock) {
  // Wall clock, not steady: registry scores are compared by other nodes. Skew between nodes
  // only moves when a candidate is looked at; the lease key's own expiry decides.
  return core::to_unix_ms(clock.now());
}

result<void> check_replies(const result<std::vector<reply>>& r) {
  if (!r) {
    return r.error();
  }
  for (const auto& one : *r) {
    if (one.is_error()) {
      return errc::internal;
    }
  }
  return {};
}

/// One command as a batch. (Built outside the co_await: GCC 12 miscompiles a braced list of
/// vectors inside a co_await expression, "array used as initializer".)
std::vector<redis::command> one(redis::command argv) {
  std::vector<redis::command> cmds;
  cmds.push_back(std::move(argv));
  return cmds;
}

}  // namespace

redis_lease::redis_lease(redis::command_link& link, std::string prefix, const std::string& node_id,
                         std::chrono::milliseconds ttl, const core::clock* clock)
    : link_(link),
      prefix_(std::move(prefix)),
      token_(node_id + "#" + random_suffix()),
      ttl_(ttl),
      clock_(clock != nullptr ? *clock : own_clock_) {}

std::string redis_lease::lease_key(std::string_view stream_id) const {
  std::string k = prefix_;
  k.append("lease:{").append(stream_id).append("}");
  return k;
}

std::string redis_lease::registry_key() const {
  return prefix_ + "relay-leases";
}

net::awaitable<result<bool>> redis_lease::acquire(std::string stream_id) {
  // The registry entry first: a node dying between the two steps leaves an entry without a
  // lease, which the sweep ends; the other order would leave a stream nobody looks at.
  const std::string registry = registry_key();
  auto add = one({"ZADD", registry, std::to_string(wall_ms(clock_) + ttl_.count()), stream_id});
  auto added = co_await link_.exec_on_key(registry, std::move(add));
  if (auto ok = check_replies(added); !ok) {
    co_return result<bool>(boost::system::in_place_error, ok.error());
  }
  const std::string key = lease_key(stream_id);
  auto take = one({"SET", key, token_, "NX", "PX", std::to_string(ttl_.count())});
  auto set = co_await link_.exec_on_key(key, std::move(take));
  if (auto ok = check_replies(set); !ok) {
    co_return result<bool>(boost::system::in_place_error, ok.error());
  }
  co_return set->size() == 1 && !set->front().is_nil();  // nil: another node holds it
}

net::awaitable<result<lease_refresh>> redis_lease::refresh(std::string stream_id) {
  const std::string key = lease_key(stream_id);
  const std::string ttl = std::to_string(ttl_.count());
  const std::array<std::string_view, 1> keys{key};
  const std::array<std::string_view, 2> args{token_, ttl};
  auto r = co_await link_.eval(refresh_script(), keys, args);
  if (!r) {
    co_return r.error();
  }
  if (r->is_error()) {
    co_return errc::internal;
  }
  co_return r->to_int().value_or(0) == 1 ? lease_refresh::held : lease_refresh::lost;
}

net::awaitable<result<void>> redis_lease::release(std::string stream_id) {
  const std::string key = lease_key(stream_id);
  const std::array<std::string_view, 1> keys{key};
  const std::array<std::string_view, 1> args{token_};
  auto r = co_await link_.eval(release_script(), keys, args);
  if (!r) {
    co_return r.error();
  }
  if (r->is_error()) {
    co_return errc::internal;
  }
  if (r->to_int().value_or(-1) < 0) {
    co_return result<void>{};  // another node's claim: that node releases it
  }
  const std::string registry = registry_key();
  auto zrem = one({"ZREM", registry, stream_id});
  auto removed = co_await link_.exec_on_key(registry, std::move(zrem));
  co_return check_replies(removed);
}

net::awaitable<result<std::vector<std::string>>> redis_lease::claim_expired(std::size_t max) {
  const std::string registry = registry_key();
  const std::int64_t now = wall_ms(clock_);
  auto range = one(
      {"ZRANGEBYSCORE", registry, "-inf", std::to_string(now), "LIMIT", "0", std::to_string(max)});
  auto due = co_await link_.exec_on_key(registry, std::move(range));
  if (auto ok = check_replies(due); !ok) {
    co_return ok.error();
  }
  std::vector<std::string> claimed;
  if (due->size() != 1 || !due->front().is_array()) {
    co_return claimed;
  }
  const std::string ttl = std::to_string(ttl_.count());
  for (const auto& member : due->front().elements) {
    const std::string& id = member.str;
    const std::string key = lease_key(id);
    const std::array<std::string_view, 1> keys{key};
    const std::array<std::string_view, 2> args{token_, ttl};
    auto r = co_await link_.eval(claim_script(), keys, args);
    if (!r) {
      co_return r.error();
    }
    if (r->is_error()) {
      co_return errc::internal;
    }
    const long long left = r->to_int().value_or(0);
    if (left == -1) {
      claimed.push_back(id);
      continue;
    }
    // Still held: look again when it could have expired. XX: never re-adds a released stream.
    auto later = one({"ZADD", registry, "XX", std::to_string(now + left), id});
    co_await link_.exec_on_key(registry, std::move(later));
  }
  co_return claimed;
}

}  // namespace sse::store
