// DELETE, and the soft delete of a forked source: a stream deleted while forks of it live
// becomes a tombstone (its metadata marked deleted, its data dropped) that answers 410 until
// the last fork is gone. Forks are found through the source's fork registry, a store stream
// each fork's create appends its id to before it copies the source; a registered fork counts
// while it exists with this source in its metadata, so failed, deleted or expired forks drop out
// without bookkeeping, and every node sees the same answer.
#include <algorithm>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>

#include "durable/door.hpp"
#include "durable/door_detail.hpp"

namespace sse::durable {

namespace net = boost::asio;
using namespace detail;

namespace {

constexpr std::string_view fork_type = "ds.fork";
/// Chains of tombstones deeper than this count as live (kept) rather than walked further.
constexpr int max_fork_depth = 32;

}  // namespace

net::awaitable<result<void>> door::register_fork(const std::string& source_id,
                                                 const std::string& fork_id) {
  store::append_request a;
  a.stream_id = fork_registry_id(source_id);
  a.events.push_back({std::string(fork_type), fork_id, data_priority, false});
  a.create_options.buffer_limit = settings_.buffer_limit;
  a.create_options.ttl = settings_.max_ttl;  // renewed by every fork made
  auto r = co_await store_.append(std::move(a));
  if (!r) {
    co_return r.error();
  }
  co_return result<void>{};
}

net::awaitable<bool> door::has_live_forks(const std::string& id, int depth) {
  if (depth > max_fork_depth) {
    co_return true;
  }
  auto r = co_await store_.read_after(fork_registry_id(id), 0);
  if (!r) {
    co_return r.error() != errc::stream_not_found;  // store trouble: keep the source
  }
  std::vector<std::string> forks;
  for (const auto& e : r->events) {
    if (e.is_end) {
      continue;
    }
    auto d = decode_event(e);
    if (d.type == fork_type && std::find(forks.begin(), forks.end(), d.data) == forks.end()) {
      forks.push_back(std::move(d.data));
    }
  }
  for (const auto& fork : forks) {
    reply error;
    auto f = co_await find(fork, error);
    if (!f) {
      if (error.status != 404) {
        co_return true;  // unknown (store trouble): keep the source rather than lose it
      }
      continue;
    }
    if (!f->meta.fork_of || store_id_for_path(*f->meta.fork_of) != id) {
      continue;  // deleted and made again as something else
    }
    if (!f->meta.deleted || co_await has_live_forks(fork, depth + 1)) {
      co_return true;
    }
    co_await forget(fork);  // a tombstone whose forks are gone: collected on the way
  }
  co_return false;
}

net::awaitable<void> door::forget(const std::string& id) {
  co_await store_.remove(id);
  co_await store_.remove(fork_registry_id(id));
  std::lock_guard lock(mutex_);
  cache_.erase(id);
}

net::awaitable<reply> door::remove(const std::string& id) {
  reply error;
  auto s = co_await locate(id, error);
  if (!s) {
    co_return error;  // 404, or 410 for a tombstone
  }
  if (!co_await has_live_forks(id, 0)) {
    auto r = co_await store_.remove(id);
    if (!r) {
      co_return not_found_or_failure(r.error());
    }
    co_await store_.remove(fork_registry_id(id));
    std::lock_guard lock(mutex_);
    cache_.erase(id);
    co_return base_reply(204);
  }
  // Forks live: the stream becomes a tombstone, a new incarnation holding only its metadata.
  auto r = co_await store_.remove(id);
  if (!r) {
    co_return not_found_or_failure(r.error());
  }
  stream_meta tomb = s->meta;
  tomb.deleted = true;
  store::append_request a;
  a.stream_id = id;
  a.producer_seq = meta_seq;  // a PUT that came in between wins: the delete happened before it
  a.events.push_back({std::string(meta_type), encode_meta(tomb), meta_priority, false});
  a.create_options.buffer_limit = settings_.buffer_limit;
  a.create_options.ttl = settings_.max_ttl;
  auto made = co_await store_.append(std::move(a));
  std::lock_guard lock(mutex_);
  if (made && !made->duplicate) {
    cache_[id] = {made->epoch, tomb};
  } else {
    cache_.erase(id);
  }
  co_return base_reply(204);
}

}  // namespace sse::durable
