// The door itself: routing a request to its operation, locating a stream, HEAD and DELETE.
#include "durable/door.hpp"

#include <boost/asio/use_awaitable.hpp>
#include <mutex>

#include "durable/door_detail.hpp"

namespace sse::durable {

namespace net = boost::asio;
using namespace detail;

bool is_durable_path(std::string_view path) noexcept {
  return path.starts_with(path_prefix);
}

std::optional<std::string> request::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) {
      return v;
    }
  }
  return std::nullopt;
}

door::door(store::store& store, settings s, observer* obs, const core::monotonic_clock* clock,
           const core::clock* wall)
    : store_(store),
      settings_(s),
      observer_(obs),
      clock_(clock != nullptr ? *clock : own_clock_),
      wall_(wall != nullptr ? *wall : own_wall_) {}

net::awaitable<void> door::renew(const std::string& id, const located& s) {
  if (!s.meta.ttl_seconds || s.closed()) {
    co_return;
  }
  // A failed renewal costs the stream at most its remaining window, and the read that asked
  // for it answers from the store anyway (an unreachable store fails it there): not an error.
  (void)co_await store_.renew(id);
}

std::string door::cursor(std::optional<std::string_view> client) {
  std::lock_guard lock(mutex_);
  return next_cursor(core::to_unix_ms(wall_.now()), client, rng_);
}

net::awaitable<std::optional<door::located>> door::locate(const std::string& id, reply& error) {
  auto s = co_await find(id, error);
  if (s && s->meta.deleted) {
    if (co_await has_live_forks(id, 0)) {
      error = error_reply(410, "stream_deleted",
                          "the stream was deleted; it stays reserved while forks of it live");
    } else {
      co_await forget(id);  // its last fork is gone: so is the tombstone
      error = error_reply(404, "stream_not_found", "no stream at this path");
    }
    co_return std::nullopt;
  }
  co_return s;
}

net::awaitable<std::optional<door::located>> door::find(const std::string& id, reply& error) {
  auto info = co_await store_.info(id);
  if (!info) {
    error = info.error() == errc::stream_not_found
                ? error_reply(404, "stream_not_found", "no stream at this path")
                : store_failure(info.error());
    co_return std::nullopt;
  }
  located out{*info, {}};
  bool cached = false;
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(id); it != cache_.end() && it->second.epoch == info->epoch) {
      out.meta = it->second.meta;
      cached = true;
    }
  }
  if (!cached) {
    auto r = co_await store_.read_after(id, 0);
    if (!r) {
      error = r.error() == errc::stream_not_found
                  ? error_reply(404, "stream_not_found", "no stream at this path")
                  : store_failure(r.error());
      co_return std::nullopt;
    }
    std::optional<stream_meta> meta;
    if (!r->events.empty() && r->events.front().seq == meta_seq) {
      auto d = decode_event(r->events.front());
      if (d.type == meta_type) {
        meta = decode_meta(d.data);
      }
    }
    if (!meta) {
      error = error_reply(404, "stream_not_found", "no Durable Streams stream at this path");
      co_return std::nullopt;
    }
    out.meta = *meta;
    std::lock_guard lock(mutex_);
    if (cache_.size() >= 65536) {
      cache_.clear();  // a bound, not an LRU: a miss costs one read
    }
    cache_[id] = {info->epoch, *meta};
  }
  // Stream-Expires-At is a fixed instant, the same on every node; a sliding Stream-TTL is the
  // store's own expiry (store_ttl), so a stream past it is not found above.
  if (out.meta.expires_at_ms && core::to_unix_ms(wall_.now()) >= *out.meta.expires_at_ms) {
    co_await forget(id);  // expired: gone for every reader from now on
    error = error_reply(404, "stream_not_found", "the stream expired");
    co_return std::nullopt;
  }
  co_return out;
}

bool door::is_sse(const request& req) const {
  if (req.method != "GET") {
    return false;
  }
  std::string error;
  auto q = parse_read_query(req.target, error);
  return q && q->live == "sse";
}

bool door::is_live(const request& req) const {
  if (req.method != "GET") {
    return false;
  }
  std::string error;
  auto q = parse_read_query(req.target, error);
  return q && !q->live.empty();
}

net::awaitable<reply> door::handle(const request& req, live_stop* stop) {
  auto id = store_id_for_path(path_in_target(req.target));
  if (!id) {
    co_return error_reply(400, "invalid_stream_path",
                          "the stream path is empty or too long once encoded (at most 123 "
                          "bytes, 3 for each byte outside [A-Za-z0-9.-])");
  }
  if (req.method == "PUT") {
    co_return co_await create(req, *id);
  }
  if (req.method == "POST") {
    co_return co_await append(req, *id);
  }
  if (req.method == "DELETE") {
    co_return co_await remove(*id);
  }
  if (req.method == "HEAD") {
    co_return co_await head(*id);
  }
  if (req.method == "GET") {
    co_return co_await read(req, *id, stop);
  }
  reply r = error_reply(405, "method_not_allowed", "the method is not served on streams");
  r.headers.emplace_back("Allow", "GET, HEAD, POST, PUT, DELETE, OPTIONS");
  co_return r;
}

net::awaitable<reply> door::head(const std::string& id) {
  reply error;
  auto s = co_await locate(id, error);
  if (!s) {
    co_return error;
  }
  reply r = base_reply(200);
  r.headers.emplace_back("Content-Type", s->meta.content_type);
  r.headers.emplace_back("Stream-Next-Offset", mint_offset(s->tail()));
  r.headers.emplace_back("Cache-Control", "no-store");
  if (s->meta.ttl_seconds) {
    // What is left of the window, as the store counts it (an ended stream's retention may be
    // longer than its TTL: never more than the TTL is announced).
    const auto left = std::min<std::uint64_t>(
        *s->meta.ttl_seconds,
        static_cast<std::uint64_t>((s->info.expires_in.count() + 999) / 1000));
    r.headers.emplace_back("Stream-TTL", std::to_string(left));
  }
  if (s->meta.expires_at_ms) {
    r.headers.emplace_back("Stream-Expires-At", format_rfc3339(*s->meta.expires_at_ms));
  }
  if (s->closed()) {
    r.headers.emplace_back("Stream-Closed", "true");
  }
  co_return r;
}

}  // namespace sse::durable
