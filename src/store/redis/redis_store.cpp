#include "store/redis/redis_store.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>
#include <string_view>
#include <utility>

#include "core/epoch.hpp"
#include "redis/cluster/slot.hpp"
#include "store/redis/expiry_report.hpp"
#include "store/redis/record.hpp"
#include "store/redis/scripts.hpp"
#include "store/redis/sharded_scripts.hpp"
#include "store/redis/unreadable.hpp"
#include "store/request_checks.hpp"
#include "stream/sse_encoder.hpp"

namespace sse::store {

namespace net = boost::asio;
using redis::reply;
using namespace redis_layout;

namespace {

// An operation that meets a legacy stream upgrades it and runs again; one upgrade suffices,
// the bound only stops a bug from spinning.
constexpr int max_legacy_rounds = 3;

// Beyond this many streams the per-node stats forget everything and start over: they are an
// approximation for /metrics, not a second copy of Redis.
constexpr std::size_t max_known_streams = 100'000;

std::string_view tag_of(const reply& r) {
  if (!r.is_array() || r.elements.empty() || !r.elements[0].is_string()) {
    return {};
  }
  return r.elements[0].str;
}

long long int_at(const reply& r, std::size_t i) {
  if (i >= r.elements.size()) {
    return 0;
  }
  return r.elements[i].to_int().value_or(0);
}

const std::string& str_at(const reply& r, std::size_t i) {
  static const std::string empty;
  return i < r.elements.size() ? r.elements[i].str : empty;
}

// A script's error reply: Redis refusing for now (out of memory, loading, read-only replica)
// is an outage the producer should retry; anything else is a bug.
errc error_of(const reply& r) {
  for (std::string_view p : {"OOM", "LOADING", "BUSY", "READONLY", "MASTERDOWN", "TRYAGAIN"}) {
    if (r.error_starts_with(p)) {
      return errc::store_unavailable;
    }
  }
  return errc::internal;
}

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

std::string expiry_channel(int db) {
  return "__keyevent@" + std::to_string(db) + "__:expired";
}

}  // namespace

redis_store::redis_store(store_limits limits, redis_store_options options,
                         std::vector<executor_type> workers, const core::clock& clock)
    : limits_(limits),
      options_(std::move(options)),
      clock_(clock),
      availability_(std::make_shared<redis::availability>(
          options_.cluster_seeds.empty() ? workers.size() + 1 : 2)),
      registry_(std::make_shared<listener_set>()) {
  // These handlers may run after the store is gone (the subscriber winds down on its own), so
  // they hold only shared state.
  auto on_message = [registry = registry_, prefix = options_.prefix](std::string_view channel,
                                                                     std::string_view payload) {
    auto id = stream_id_from(prefix, "live:", channel);
    if (!id || !registry->watched(*id)) {
      return;
    }
    auto msg = parse_live_message(payload);
    if (!msg) {
      return;  // not ours or corrupt: the next resync re-reads the buffer anyway
    }
    if (msg->gone) {
      registry->deliver_gone(*id);
      return;
    }
    auto batch = std::make_shared<stream::event_batch>();
    batch->stream_id = *id;
    batch->epoch = std::string(msg->epoch);
    batch->events.reserve(msg->members.size());
    for (std::string_view m : msg->members) {
      if (auto e = decode_member(m, msg->epoch)) {
        batch->events.push_back(std::move(*e));
      }
    }
    registry->deliver(*id, batch);
  };
  if (!options_.cluster_seeds.empty()) {
    // Cluster mode: one executor (the first worker) holds the slot map and a link per master;
    // other workers hop to it. Sharded pub/sub follows each stream's slot.
    cluster_ = std::make_shared<redis::cluster::cluster_client>(
        workers.front(), options_.cluster_seeds, options_.connection, all_sharded_scripts());
    cluster_->set_tracker(availability_, 0);
    sharded_ = std::make_shared<redis::cluster::sharded_subscriber>(
        cluster_, options_.connection, std::chrono::seconds(1), availability_, 1);
    sharded_->set_message_handler(std::move(on_message));
    sharded_->set_resync_handler([registry = registry_] { registry->resync_all(); });
    sharded_->enable_probe(options_.probe, options_.prefix + "probe:" + core::make_epoch());
    return;
  }
  redis::connection_config link = options_.connection;
  if (!options_.sentinels.empty()) {
    // Sentinel: every connect asks the sentinels where the primary is now and checks ROLE, so
    // a failover is followed by the ordinary reconnect (scripts, resubscribe, resync).
    link.require_master = true;
    sentinel_ = std::make_shared<redis::sentinel::sentinel_resolver>(
        options_.sentinels, options_.sentinel_master, options_.connection.connect_timeout);
  }
  client_ = std::make_shared<redis::client>(workers, link, all_scripts(), availability_, 0);
  subscriber_ =
      std::make_shared<redis::subscriber>(workers.front(), link, availability_, workers.size());
  if (sentinel_) {
    for (std::size_t i = 0; i < client_->size(); ++i) {
      client_->at(i).set_address_provider(redis::sentinel::sentinel_resolver::provider(sentinel_));
    }
    subscriber_->link().set_address_provider(
        redis::sentinel::sentinel_resolver::provider(sentinel_));
  }
  // Keyspace notifications of expired keys: a stream whose state hash (idle TTL) or end
  // tombstone (end retention) expired is gone; its live listeners are finished and the app
  // reports SseStreamExpired from sweep_expired().
  subscriber_->set_message_handler(
      [on_message = std::move(on_message), registry = registry_, expired = expired_,
       channel = expiry_channel(options_.connection.db), prefix = options_.prefix,
       weak = std::weak_ptr<redis::client>(client_), ex = subscriber_->get_executor(),
       retention = limits_.end_retention](std::string_view ch, std::string_view payload) {
        if (ch != channel) {
          on_message(ch, payload);
          return;
        }
        auto id = stream_id_from(prefix, "state:", payload);
        const bool ended = !id;
        if (!id) {
          id = stream_id_from(prefix, "end:", payload);
        }
        if (!id) {
          return;  // another key of ours (buffer, meta) or not ours at all
        }
        std::string epoch;
        {
          std::lock_guard lock(expired->mutex);
          if (auto it = expired->epochs.find(*id); it != expired->epochs.end()) {
            epoch = std::move(it->second);
            expired->epochs.erase(it);
          }
        }
        registry->deliver_gone(*id);  // every node finishes its own subscribers
        // Every node hears the expiry; one reports it and leaves the epoch marker.
        net::co_spawn(ex,
                      claim_expiry(weak, make_expiry_keys(prefix, *id),
                                   expired_stream{*id, std::move(epoch), ended}, retention,
                                   [expired](expired_stream s) {
                                     std::lock_guard lock(expired->mutex);
                                     expired->streams.push_back(std::move(s));
                                   }),
                      net::detached);
      });
  subscriber_->set_resync_handler([registry = registry_,
                                   weak = std::weak_ptr<redis::client>(client_),
                                   ex = subscriber_->get_executor(), notify = notify_] {
    registry->resync_all();
    // The subscription came back: Redis may have restarted without notify-keyspace-events in
    // its own configuration, or a promoted replica may never have had it. Ask again.
    net::co_spawn(ex, arm_notifications(weak, notify), net::detached);
  });
  // The probe publishes through a command connection: a subscribed one cannot PUBLISH.
  subscriber_->enable_probe(
      options_.probe, options_.prefix + "probe:" + core::make_epoch(),
      [weak = std::weak_ptr<redis::client>(client_)](
          std::string channel, std::string payload) -> net::awaitable<result<void>> {
        auto c = weak.lock();
        if (!c) {
          co_return errc::store_unavailable;
        }
        redis::request req;
        req.push("PUBLISH", channel, payload);
        auto r = co_await c->exec(std::move(req));
        if (!r || r->empty() || r->front().is_error()) {
          co_return errc::store_unavailable;
        }
        co_return result<void>{};
      });
}

std::optional<redis::cluster::node_address> redis_store::sentinel_primary() const {
  if (!sentinel_) {
    return std::nullopt;
  }
  return sentinel_->last_known();
}

std::uint64_t redis_store::probe_failures() const noexcept {
  return cluster_ ? sharded_->probe_failures() : subscriber_->probe_failures();
}

std::uint64_t redis_store::probes_ok() const noexcept {
  return cluster_ ? sharded_->probes_ok() : subscriber_->probes_ok();
}

void redis_store::remember_epoch(const std::string& stream_id, const std::string& epoch) {
  constexpr std::size_t max_remembered = 100'000;
  std::lock_guard lock(expired_->mutex);
  auto& epochs = expired_->epochs;
  if (epochs.size() >= max_remembered && !epochs.contains(stream_id)) {
    epochs.erase(epochs.begin());  // bounded; an evicted stream's expiry names no epoch
  }
  epochs[stream_id] = epoch;
}

net::awaitable<result<reply>> redis_store::eval_upgrading(const redis::script& s,
                                                          const std::string& stream_id,
                                                          std::span<const std::string_view> keys,
                                                          std::span<const std::string_view> args) {
  for (int round = 0; round < max_legacy_rounds; ++round) {
    auto r = co_await eval(s, keys, args);
    if (!r) {
      co_return r.error();
    }
    if (r->is_error()) {
      co_return error_of(*r);
    }
    if (tag_of(*r) != "legacy") {
      co_return std::move(*r);
    }
    // Still in the v1.10 layout: upgrade it, then run the operation on the new layout.
    if (auto m = co_await migrate_stream(stream_id); !m) {
      co_return m.error();
    }
  }
  co_return errc::internal;
}

std::vector<expired_stream> redis_store::sweep_expired() {
  std::lock_guard lock(expired_->mutex);
  return std::exchange(expired_->streams, {});
}

void redis_store::set_warning_handler(std::function<void(const std::string&)> handler) {
  notify_->warn = std::move(handler);
}

net::awaitable<void> redis_store::arm_notifications(std::weak_ptr<redis::client> weak,
                                                    std::shared_ptr<notify_state> notify) {
  // Bounded retries: after a restart the command connections may come back after the
  // subscription. A refusal (managed Redis without CONFIG) is final and logged once: expiry
  // telemetry then depends on the server's own configuration.
  for (int attempt = 0; attempt < 40; ++attempt) {
    auto c = weak.lock();
    if (!c) {
      co_return;
    }
    const auto outcome = co_await enable_expiry_notifications(*c);
    if (outcome == notify_outcome::set) {
      co_return;
    }
    if (outcome == notify_outcome::refused) {
      if (!notify->warned.exchange(true) && notify->warn) {
        notify->warn(
            "redis refused CONFIG SET notify-keyspace-events Ex: expiry telemetry "
            "(SseStreamExpired, resume reason expired) needs notify-keyspace-events to include "
            "Ex in the Redis configuration");
      }
      co_return;
    }
    net::steady_timer t(c->at(0).get_executor(), std::chrono::milliseconds(250));
    c.reset();  // not held while waiting: the store may go
    co_await t.async_wait(net::as_tuple(net::use_awaitable));
  }
}

net::awaitable<void> redis_store::enable_expiry_events(std::shared_ptr<std::atomic<bool>> running) {
  // Best effort, bounded: the links may still be connecting. A Redis that refuses CONFIG (some
  // managed services) needs notify-keyspace-events to include "Ex" in its own configuration.
  const std::string channel = expiry_channel(options_.connection.db);
  co_await arm_notifications(client_, notify_);
  bool subscribed = false;
  for (int attempt = 0; attempt < 60 && !subscribed; ++attempt) {
    if (!*running) {
      co_return;
    }
    subscribed = static_cast<bool>(co_await subscriber_->subscribe(channel));
    if (!*running) {
      co_return;
    }
    if (!subscribed) {
      net::steady_timer t(subscriber_->get_executor(), std::chrono::milliseconds(500));
      co_await t.async_wait(net::as_tuple(net::use_awaitable));
    }
  }
}

net::awaitable<result<std::optional<std::string>>> redis_store::expired_epoch(
    std::string stream_id) {
  if (cluster_) {
    co_return std::optional<std::string>{};  // no expiry notifications in cluster mode
  }
  co_return co_await read_expiry_marker(*client_,
                                        make_expiry_keys(options_.prefix, stream_id).marker);
}

net::awaitable<result<reply>> redis_store::eval(const redis::script& s,
                                                std::span<const std::string_view> keys,
                                                std::span<const std::string_view> args) {
  if (cluster_) {
    co_return co_await cluster_->eval(sharded_variant(s), keys, args);
  }
  auto r = co_await client_->eval(s, keys, args);
  if (sentinel_ && r && r->error_starts_with("READONLY")) {
    // The primary we talk to was demoted (it came back after a failover): reconnect to wherever
    // the sentinels now say; this call fails as unavailable and the producer retries.
    client_->drop_all();
    subscriber_->link().drop();
  }
  co_return r;
}

net::awaitable<result<reply>> redis_store::eval_script(const redis::script& s,
                                                       std::span<const std::string_view> keys,
                                                       std::span<const std::string_view> args) {
  if (cluster_) {
    co_return co_await cluster_->eval(s, keys, args);  // not a store script: no sharded variant
  }
  co_return co_await eval(s, keys, args);
}

net::awaitable<result<std::vector<reply>>> redis_store::exec_on_key(
    std::string_view key, std::vector<std::vector<std::string>> commands) {
  if (cluster_) {
    std::vector<redis::cluster::command> cmds(std::make_move_iterator(commands.begin()),
                                              std::make_move_iterator(commands.end()));
    co_return co_await cluster_->exec(redis::cluster::key_slot(key), std::move(cmds));
  }
  redis::request req;
  for (const auto& argv : commands) {
    const std::vector<std::string_view> views(argv.begin(), argv.end());
    req.push_argv(views);
  }
  co_return co_await client_->exec(std::move(req));
}

net::awaitable<result<void>> redis_store::wait_for_replicas(std::string_view key) {
  // WAIT covers the writes of the connection it is sent on: the same link as the script's (the
  // worker's own connection, or the slot master's in cluster mode).
  const auto timeout = std::to_string(options_.wait_timeout.count());
  const auto wanted = std::to_string(options_.wait_replicas);
  result<std::vector<reply>> replies = errc::internal;
  if (cluster_) {
    std::vector<redis::cluster::command> cmds{{"WAIT", wanted, timeout}};
    replies = co_await cluster_->exec(redis::cluster::key_slot(key), std::move(cmds));
  } else {
    redis::request req;
    req.push("WAIT", wanted, timeout);
    replies = co_await client_->exec(std::move(req));
  }
  if (!replies) {
    co_return replies.error();
  }
  if (replies->size() != 1 || replies->front().to_int().value_or(0) < options_.wait_replicas) {
    co_return errc::store_unavailable;
  }
  co_return result<void>{};
}

redis_store::~redis_store() {
  stop();
}

void redis_store::set_availability_handler(std::function<void(bool)> handler) {
  availability_->set_handler(std::move(handler));
}

void redis_store::set_unreadable_handler(
    std::function<void(const redis_layout::unreadable_element&)> handler) {
  unreadable_handler_ = std::move(handler);
}

void redis_store::start() {
  if (cluster_) {
    // Learning the map needs a round trip: done in the background like the single node's
    // connect; available() turns true once every master's link is up.
    net::co_spawn(
        cluster_->get_executor(),
        [](std::shared_ptr<redis::cluster::cluster_client> c,
           std::shared_ptr<redis::cluster::sharded_subscriber> sub) -> net::awaitable<void> {
          for (int attempt = 0; attempt < 1000 && !(co_await c->start()); ++attempt) {
            net::steady_timer t(c->get_executor(), std::chrono::milliseconds(500));
            co_await t.async_wait(net::as_tuple(net::use_awaitable));
          }
          sub->start();
        }(cluster_, sharded_),
        net::detached);
    availability_->report(1, true);  // no channel yet: the subscriber has nothing to be down
    return;
  }
  client_->start();
  subscriber_->start();
  *running_ = true;
  net::co_spawn(subscriber_->get_executor(), enable_expiry_events(running_), net::detached);
}

void redis_store::stop() {
  // Going down on purpose is not an outage: no SseStoreUnavailable at shutdown.
  availability_->set_handler(nullptr);
  *running_ = false;
  registry_->clear();
  if (cluster_) {
    cluster_->stop();
    sharded_->stop();
    return;
  }
  client_->stop();
  subscriber_->stop();
}

bool redis_store::available() const noexcept {
  return availability_->all_up();
}

redis_store::compression_stats redis_store::compression() const noexcept {
  return {bytes_in_.load(std::memory_order_relaxed), bytes_stored_.load(std::memory_order_relaxed)};
}

migration_context redis_store::migration() const {
  migration_context ctx{{},
                        {},
                        {},
                        options_.prefix,
                        limits_,
                        options_.compress_min_bytes,
                        options_.compression_level,
                        clock_,
                        unreadable_handler_};
  if (cluster_) {
    // Each stream on its slot's master; SCAN once per master (through a slot it serves).
    ctx.exec = [c = cluster_](std::uint16_t slot, std::vector<std::vector<std::string>> cmds)
        -> net::awaitable<result<std::vector<reply>>> {
      co_return co_await c->exec(slot, std::move(cmds));
    };
    ctx.eval_migrate =
        [c = cluster_](std::span<const std::string_view> keys,
                       std::span<const std::string_view> args) -> net::awaitable<result<reply>> {
      co_return co_await c->eval(sharded_variant(migrate_script()), keys, args);
    };
    ctx.scan_targets = [c = cluster_]() -> net::awaitable<result<std::vector<std::uint16_t>>> {
      const redis::cluster::slot_map map = co_await c->current_map();
      std::vector<std::uint16_t> slots;
      for (const auto& master : map.masters()) {
        for (const auto& range : map.ranges()) {
          if (range.master == master) {
            slots.push_back(range.first);
            break;
          }
        }
      }
      if (slots.empty()) {
        co_return errc::store_unavailable;
      }
      co_return slots;
    };
    return ctx;
  }
  ctx.exec = [c = client_](std::uint16_t, std::vector<std::vector<std::string>> cmds)
      -> net::awaitable<result<std::vector<reply>>> {
    redis::request req;
    for (const auto& argv : cmds) {
      std::vector<std::string_view> views(argv.begin(), argv.end());
      req.push_argv(views);
    }
    co_return co_await c->exec(std::move(req));
  };
  ctx.eval_migrate = [c = client_](
                         std::span<const std::string_view> keys,
                         std::span<const std::string_view> args) -> net::awaitable<result<reply>> {
    co_return co_await c->eval(migrate_script(), keys, args);
  };
  ctx.scan_targets = []() -> net::awaitable<result<std::vector<std::uint16_t>>> {
    co_return std::vector<std::uint16_t>{0};
  };
  return ctx;
}

net::awaitable<result<migration_report>> redis_store::migrate_all(std::size_t batch) {
  co_return co_await migrate_all_legacy(migration(), batch);
}

net::awaitable<result<migrate_outcome>> redis_store::migrate_stream(std::string stream_id) {
  co_return co_await migrate_legacy_stream(migration(), std::move(stream_id));
}

void redis_store::remember(const std::string& stream_id, std::int64_t events, std::int64_t bytes) {
  std::lock_guard lock(stats_mu_);
  if (known_.size() >= max_known_streams && known_.count(stream_id) == 0) {
    known_.clear();
  }
  known_[stream_id] = {events, bytes};
}

void redis_store::forget(const std::string& stream_id) {
  std::lock_guard lock(stats_mu_);
  known_.erase(stream_id);
}

store_stats redis_store::stats() const noexcept {
  store_stats s;
  s.streams = static_cast<std::int64_t>(registry_->stream_count());
  s.probes = probe_stats{probes_ok(), probe_failures()};
  std::lock_guard lock(stats_mu_);
  for (const auto& [id, v] : known_) {
    s.events_buffered += v.first;
    s.bytes_buffered += v.second;
  }
  return s;
}

// ---- operations: one script call each ----

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
  auto tag = tag_of(*r);
  if (tag == "created" || tag == "exists") {
    remember_epoch(stream_id, str_at(*r, 1));
    create_result out{str_at(*r, 1), tag == "created", limits_.buffer_limit, limits_.ttl};
    if (r->elements.size() >= 4) {
      if (auto limit = r->elements[2].to_int()) {
        out.buffer_limit = static_cast<std::size_t>(*limit);
      }
      if (auto ttl = r->elements[3].to_int()) {
        out.ttl = std::chrono::milliseconds(*ttl);
      }
    }
    co_return out;
  }
  co_return errc::internal;
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
  auto tag = tag_of(*r);
  if (tag == "ended") {
    co_return errc::stream_ended;
  }
  if (tag == "conflict") {
    co_return errc::producer_seq_conflict;
  }
  if (options_.wait_replicas > 0) {
    // --redis-wait-replicas: acknowledge only what a replica holds (a duplicate too: the
    // original may have been lost with its master). Otherwise 503 and the producer retries.
    if (auto w = co_await wait_for_replicas(key_list[0]); !w) {
      co_return errc::outcome_unknown;  // the script ran: stored on the primary, maybe no more
    }
  }
  append_result res;
  res.epoch = str_at(*r, 1);
  remember_epoch(request.stream_id, res.epoch);
  res.first_seq = static_cast<seq_t>(int_at(*r, 2));
  res.last_seq = static_cast<seq_t>(int_at(*r, 3));
  if (tag == "dup") {
    res.duplicate = true;
    res.trimmed = static_cast<std::uint64_t>(int_at(*r, 4));
    co_return res;
  }
  if (tag != "ok" || r->elements.size() < 8) {
    co_return errc::internal;
  }
  res.created = int_at(*r, 4) != 0;
  const reply& ev = r->elements[5];
  for (std::size_t i = 0; i + 2 < ev.elements.size(); i += 3) {
    res.evicted.push_back(
        stream::trimmed_event{static_cast<seq_t>(ev.elements[i].to_int().value_or(0)),
                              static_cast<int>(ev.elements[i + 1].to_int().value_or(0)),
                              static_cast<std::uint32_t>(ev.elements[i + 2].to_int().value_or(0))});
  }
  // The script evicts superseded events first: they are the first `superseded` victims.
  const auto superseded =
      r->elements.size() > 8 ? static_cast<std::size_t>(int_at(*r, 8)) : std::size_t{0};
  for (std::size_t i = 0; i < superseded && i < res.evicted.size(); ++i) {
    res.evicted[i].superseded = true;
  }
  res.trimmed = res.evicted.size();
  bytes_in_.fetch_add(in, std::memory_order_relaxed);
  bytes_stored_.fetch_add(stored, std::memory_order_relaxed);
  remember(request.stream_id, int_at(*r, 6), int_at(*r, 7));
  co_return res;
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
  auto r = co_await eval_upgrading(end_script(), stream_id, key_list, a.args());
  if (!r) {
    co_return r.error();
  }
  auto tag = tag_of(*r);
  if (tag == "not_found") {
    co_return errc::stream_not_found;
  }
  if (tag == "ok" || tag == "already") {
    remember_epoch(stream_id, str_at(*r, 1));
    co_return end_result{str_at(*r, 1), static_cast<seq_t>(int_at(*r, 2)), tag == "already"};
  }
  co_return errc::internal;
}

net::awaitable<result<stream_info>> redis_store::info(std::string stream_id) {
  const auto k = keys(stream_id);
  const std::string_view key_list[] = {k.state, k.buffer, k.tomb};
  auto r = co_await eval_upgrading(info_script(), stream_id, key_list, {});
  if (!r) {
    co_return read_error(r.error());
  }
  auto tag = tag_of(*r);
  if (tag == "not_found") {
    co_return errc::stream_not_found;
  }
  if (tag != "ok" || r->elements.size() < 13) {
    co_return errc::internal;
  }
  stream_info i;
  i.epoch = str_at(*r, 1);
  i.status = parse_stream_status(str_at(*r, 2)).value_or(stream_status::open);
  i.last_seq = static_cast<seq_t>(int_at(*r, 3));
  i.first_seq = static_cast<seq_t>(int_at(*r, 4));
  i.buffered_count = static_cast<std::size_t>(int_at(*r, 5));
  i.buffered_bytes = static_cast<std::size_t>(int_at(*r, 6));
  i.trimmed_count = static_cast<std::uint64_t>(int_at(*r, 7));
  auto limit = r->elements[8].to_int();
  auto max_bytes = r->elements[9].to_int();
  i.buffer_limit = limit ? static_cast<std::size_t>(*limit) : limits_.buffer_limit;
  i.buffer_max_bytes = max_bytes ? static_cast<std::size_t>(*max_bytes) : limits_.buffer_max_bytes;
  i.created_at = core::time_point(std::chrono::milliseconds(int_at(*r, 10)));
  i.updated_at = core::time_point(
      std::chrono::milliseconds(r->elements[11].to_int().value_or(int_at(*r, 10))));
  i.expires_in = std::chrono::milliseconds(std::max<long long>(0, int_at(*r, 12)));
  remember(stream_id, static_cast<std::int64_t>(i.buffered_count),
           static_cast<std::int64_t>(i.buffered_bytes));
  co_return i;
}

net::awaitable<result<void>> redis_store::remove(std::string stream_id) {
  const auto k = keys(stream_id);
  const std::string_view key_list[] = {k.state, k.buffer, k.meta, k.tomb};
  const std::string_view args[] = {k.channel};
  auto r = co_await eval(remove_script(), key_list, args);
  if (!r) {
    co_return r.error();
  }
  if (r->is_error()) {
    co_return error_of(*r);
  }
  forget(stream_id);
  auto tag = tag_of(*r);
  if (tag == "not_found") {
    co_return errc::stream_not_found;
  }
  if (tag != "ok") {
    co_return errc::internal;
  }
  co_return result<void>{};
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
  auto tag = tag_of(*r);
  if (tag == "not_found") {
    co_return errc::stream_not_found;
  }
  if (tag != "ok" || r->elements.size() < 5) {
    co_return errc::internal;
  }
  read_result out;
  out.epoch = str_at(*r, 1);
  remember_epoch(stream_id, out.epoch);
  out.last_seq = static_cast<seq_t>(int_at(*r, 2));
  out.ended = int_at(*r, 3) != 0;
  const reply& members = r->elements[4];
  out.events.reserve(members.elements.size());
  for (const auto& m : members.elements) {
    // Decompressed here: only what is delivered. A record that cannot be decoded is left
    // out, which a resume reports as a gap rather than failing the whole stream.
    if (auto e = decode_member(m.str, out.epoch)) {
      out.events.push_back(std::move(*e));
    }
  }
  if (r->elements.size() > 5 && !r->elements[5].str.empty()) {
    out.unreadable = parse_seq_ranges(r->elements[5].str);
  }
  if (r->elements.size() > 6) {
    out.checkpoint_seq = static_cast<seq_t>(int_at(*r, 6));
  }
  co_return out;
}

net::awaitable<result<void>> redis_store::watch(std::string stream_id, live_listener* listener) {
  // Registered before subscribing: a batch published right after the confirmation must find
  // the listener (an earlier one may reach it too; sessions de-duplicate by seq).
  registry_->add(stream_id, listener);
  result<void> r = errc::internal;
  std::string channel = keys(stream_id).channel;
  if (cluster_) {
    r = co_await sharded_->subscribe(std::move(channel));
  } else {
    r = co_await subscriber_->subscribe(std::move(channel));
  }
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
    if (cluster_) {
      sharded_->unsubscribe(keys(stream_id).channel, std::move(still_wanted));
    } else {
      subscriber_->unsubscribe(keys(stream_id).channel, std::move(still_wanted));
    }
  }
}

}  // namespace sse::store
