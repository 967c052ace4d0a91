// The store's operations: one script call each (store/redis/scripts), through the command link;
// replies decoded by script_replies. Lifecycle, links and statistics: redis_store.cpp.
#include <deque>
#include <string_view>
#include <utility>

#include "core/epoch.hpp"
#include "store/redis/record.hpp"
#include "store/redis/redis_store.hpp"
#include "store/redis/script_replies.hpp"
#include "store/redis/scripts.hpp"
#include "store/request_checks.hpp"
#include "stream/sse_encoder.hpp"

namespace sse::store {

namespace net = boost::asio;
using redis::reply;
using namespace redis_layout;

namespace {

// A read changes nothing, so "sent but unanswered" means no more than "unavailable": callers
// of reads (subscribe, resume, GET) only need to know to try again.
boost::system::error_code read_error(boost::system::error_code ec) {
  return ec == errc::outcome_unknown ? make_error_code(errc::store_unavailable) : ec;
}

// Owns the numbers turned into script arguments; views stay valid (a deque never moves).
class arg_list {
 public:
  std::string_view num(long long v) { return own(std::to_string(v)); }
  std::string_view own(std::string s) {
    owned_.push_back(std::move(s));
    return owned_.back();
  }
  void add(std::string_view v) { args_.push_back(v); }
  void add_num(long long v) { args_.push_back(num(v)); }
  const std::vector<std::string_view>& args() const noexcept { return args_; }

 private:
  std::deque<std::string> owned_;
  std::vector<std::string_view> args_;
};

}  // namespace

net::awaitable<result<create_result>> redis_store::create(std::string stream_id,
                                                          stream_options options) {
  const auto k = keys(stream_id);
  const std::string_view key_list[] = {k.state, k.buffer, k.meta, k.tomb};
  arg_list a;
  a.add(a.own(core::make_epoch()));
  a.add_num(core::to_unix_ms(clock_.now()));
  a.add_num(static_cast<long long>(limits_.buffer_limit));
  a.add_num(static_cast<long long>(limits_.buffer_max_bytes));
  a.add_num(limits_.ttl.count());
  a.add(options.buffer_limit ? a.num(static_cast<long long>(*options.buffer_limit)) : "");
  a.add(options.ttl ? a.num(options.ttl->count()) : "");
  auto r = co_await eval_upgrading(create_script(), stream_id, key_list, a.args());
  if (!r) {
    co_return r.error();
  }
  auto out = decode_create(*r, limits_);
  if (out) {
    expired_->remember(stream_id, out->epoch);
  }
  co_return out;
}

net::awaitable<result<append_result>> redis_store::append(append_request request) {
  if (auto ok = check_append(request); !ok) {
    co_return ok.error();
  }
  const auto k = keys(request.stream_id);
  const std::string_view key_list[] = {k.state, k.buffer, k.meta, k.tomb};

  arg_list a;
  a.add(k.channel);
  a.add_num(core::to_unix_ms(clock_.now()));
  a.add(a.own(core::make_epoch()));
  a.add_num(static_cast<long long>(limits_.buffer_limit));
  a.add_num(static_cast<long long>(limits_.buffer_max_bytes));
  a.add_num(limits_.ttl.count());
  const auto& o = request.create_options;
  a.add(o.buffer_limit ? a.num(static_cast<long long>(*o.buffer_limit)) : "");
  a.add(o.ttl ? a.num(o.ttl->count()) : "");
  a.add(request.producer_seq ? a.num(static_cast<long long>(*request.producer_seq)) : "");
  a.add_num(static_cast<long long>(request.events.size()));
  // The batch's last checkpoint, 1-based (0: none): the script keeps its seq in the state hash.
  long long checkpoint_index = 0;
  for (std::size_t i = 0; i < request.events.size(); ++i) {
    if (request.events[i].checkpoint) {
      checkpoint_index = static_cast<long long>(i) + 1;
    }
  }
  a.add_num(checkpoint_index);
  a.add(links_.pubsub->publish_command());
  std::uint64_t in = 0;
  std::uint64_t stored = 0;
  for (const auto& e : request.events) {
    // Compressed here, on the worker, never in Redis.
    auto rec = encode_record(e, false, options_.compress_min_bytes, options_.compression_level);
    in += e.data.size();
    stored += rec.bytes.size();
    a.add_num(e.priority);
    a.add_num(rec.size_bytes);
    a.add(a.own(std::move(rec.bytes)));
  }

  auto r = co_await eval_upgrading(append_script(), request.stream_id, key_list, a.args());
  if (!r) {
    co_return r.error();
  }
  auto decoded = decode_append(*r);
  if (!decoded) {
    co_return decoded.error();
  }
  if (options_.wait_replicas > 0) {
    // --redis-wait-replicas: acknowledge only what a replica holds (a duplicate too: the
    // original may have been lost with its master). Otherwise 503 and the producer retries.
    if (auto w = co_await wait_for_replicas(key_list[0]); !w) {
      co_return errc::outcome_unknown;  // the script ran: stored on the primary, maybe no more
    }
  }
  append_result& res = decoded->result;
  expired_->remember(request.stream_id, res.epoch);
  if (res.duplicate) {
    co_return std::move(res);
  }
  bytes_in_.fetch_add(in, std::memory_order_relaxed);
  bytes_stored_.fetch_add(stored, std::memory_order_relaxed);
  remember(request.stream_id, decoded->buffered_events, decoded->buffered_bytes);
  co_return std::move(res);
}

net::awaitable<result<end_result>> redis_store::end(std::string stream_id, stream_status status) {
  if (auto ok = check_end(status); !ok) {
    co_return ok.error();
  }
  const auto k = keys(stream_id);
  const std::string_view key_list[] = {k.state, k.buffer, k.meta, k.tomb};
  stream::new_event e{"end", stream::end_event_data(to_string(status)), max_priority};
  auto rec = encode_record(e, true, options_.compress_min_bytes, options_.compression_level);
  arg_list a;
  a.add(k.channel);
  a.add_num(core::to_unix_ms(clock_.now()));
  a.add_num(limits_.end_retention.count());
  a.add(to_string(status));
  a.add_num(rec.size_bytes);
  a.add(rec.bytes);
  a.add(links_.pubsub->publish_command());
  auto r = co_await eval_upgrading(end_script(), stream_id, key_list, a.args());
  if (!r) {
    co_return r.error();
  }
  auto out = decode_end(*r);
  if (out) {
    expired_->remember(stream_id, out->epoch);
  }
  co_return out;
}

net::awaitable<result<stream_info>> redis_store::info(std::string stream_id) {
  const auto k = keys(stream_id);
  const std::string_view key_list[] = {k.state, k.buffer, k.tomb};
  auto r = co_await eval_upgrading(info_script(), stream_id, key_list, {});
  if (!r) {
    co_return read_error(r.error());
  }
  auto i = decode_info(*r, limits_);
  if (i) {
    remember(stream_id, static_cast<std::int64_t>(i->buffered_count),
             static_cast<std::int64_t>(i->buffered_bytes));
  }
  co_return i;
}

net::awaitable<result<void>> redis_store::renew(std::string stream_id) {
  const auto k = keys(stream_id);
  const std::string_view key_list[] = {k.state, k.buffer, k.meta, k.tomb};
  auto r = co_await eval_upgrading(renew_script(), stream_id, key_list, {});
  if (!r) {
    co_return read_error(r.error());
  }
  co_return decode_ok(*r);
}

net::awaitable<result<void>> redis_store::remove(std::string stream_id) {
  const auto k = keys(stream_id);
  const std::string_view key_list[] = {k.state, k.buffer, k.meta, k.tomb};
  const std::string_view args[] = {k.channel, links_.pubsub->publish_command()};
  auto r = co_await links_.commands->eval(remove_script(), key_list, args);
  if (!r) {
    co_return r.error();
  }
  if (r->is_error()) {
    co_return error_of(*r);
  }
  forget(stream_id);
  co_return decode_ok(*r);
}

net::awaitable<result<read_result>> redis_store::read_after(std::string stream_id, seq_t after) {
  const auto k = keys(stream_id);
  const std::string_view key_list[] = {k.state, k.buffer, k.tomb};
  const std::string after_text = std::to_string(after);
  const std::string_view args[] = {after_text};
  auto r = co_await eval_upgrading(read_script(), stream_id, key_list, args);
  if (!r) {
    co_return read_error(r.error());
  }
  auto out = decode_read(*r);
  if (out) {
    expired_->remember(stream_id, out->epoch);
  }
  co_return out;
}

net::awaitable<result<void>> redis_store::watch(std::string stream_id, live_listener* listener) {
  // Registered before subscribing: a batch published right after the confirmation must find
  // the listener (an earlier one may reach it too; sessions de-duplicate by seq).
  registry_->add(stream_id, listener);
  auto r = co_await links_.pubsub->subscribe(keys(stream_id).channel);
  if (!r) {
    unwatch(stream_id, listener);
    co_return read_error(r.error());
  }
  co_return result<void>{};
}

void redis_store::unwatch(const std::string& stream_id, live_listener* listener) {
  if (registry_->remove(stream_id, listener)) {
    // Unsubscribe unless a watch() for the same stream raced this one.
    auto still_wanted = [registry = registry_, stream_id] { return registry->watched(stream_id); };
    links_.pubsub->unsubscribe(keys(stream_id).channel, std::move(still_wanted));
  }
}

}  // namespace sse::store
