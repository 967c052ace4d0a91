#include "store/redis/migration.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <vector>

#include "core/epoch.hpp"
#include "store/redis/keys.hpp"
#include "store/redis/legacy.hpp"
#include "store/redis/record.hpp"
#include "store/redis/scripts.hpp"
#include "store/redis/unreadable.hpp"

namespace sse::store::redis_layout {

namespace net = boost::asio;

namespace {

// A v1.10 node still writing could change the list between our read and the script; each
// attempt re-reads. Bounded so a bug cannot spin.
constexpr int max_attempts = 8;

net::awaitable<result<void>> migrate_node(const migration_context& ctx, const std::string& node_key,
                                          const std::string& pattern, std::size_t batch,
                                          migration_report& report);

struct converted {
  seq_t seq = 0;
  int priority = default_priority;
  encoded_record record;
  bool is_end = false;
};

}  // namespace

net::awaitable<result<migrate_outcome>> migrate_legacy_stream(migration_context ctx,
                                                              std::string stream_id,
                                                              migration_report* report) {
  const stream_keys k = make_keys(ctx.prefix, stream_id);
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    std::vector<redis::command> read{{"HMGET", k.state, "status", "last_seq"},
                                     {"LRANGE", k.buffer, "0", "-1"}};
    auto replies = co_await ctx.link.exec_on_key(k.state, std::move(read));
    if (!replies) {
      co_return replies.error();
    }
    const redis::reply& fields = (*replies)[0];
    const redis::reply& list = (*replies)[1];
    if (!list.is_array() || list.elements.empty()) {
      if (report != nullptr) {
        ++report->skipped;  // WRONGTYPE: upgraded meanwhile (by a touch or another run), or gone
      }
      co_return migrate_outcome::not_legacy;
    }
    const bool has_fields = fields.is_array() && fields.elements.size() == 2;
    const std::string status =
        has_fields && fields.elements[0].is_string() ? fields.elements[0].str : "open";
    const auto state_last_seq =
        static_cast<seq_t>(has_fields ? fields.elements[1].to_int().value_or(0) : 0);

    // Decompress each legacy event once; seq order, last write wins for a repeated seq. What
    // cannot be decoded is kept aside as it is, never dropped.
    std::map<seq_t, legacy_event> events;
    std::vector<std::optional<seq_t>> element_seqs;
    element_seqs.reserve(list.elements.size());
    for (const auto& element : list.elements) {
      auto e = decode_legacy_event(element.str);
      if (!e) {
        element_seqs.emplace_back();
        continue;
      }
      element_seqs.emplace_back(e->seq);
      events[e->seq] = std::move(*e);
    }
    const std::vector<unreadable_run> runs = find_unreadable_runs(element_seqs, state_last_seq);
    std::vector<stream::seq_range> unreadable_seqs;
    seq_t last_seq_floor = 0;
    std::size_t unreadable_count = 0;
    for (const auto& run : runs) {
      unreadable_count += run.count;
      if (run.seqs.from != 0) {
        unreadable_seqs.push_back(run.seqs);
        last_seq_floor = std::max(last_seq_floor, run.seqs.to);
      }
    }
    std::vector<converted> out;
    out.reserve(events.size());
    for (auto& [seq, e] : events) {
      const bool is_end = status != "open" && e.type == "end" && seq == events.rbegin()->first;
      converted c;
      c.seq = seq;
      c.priority = is_end ? max_priority : e.priority;
      c.is_end = is_end;
      c.record = encode_record(stream::new_event{e.type, std::move(e.data), c.priority}, is_end,
                               ctx.compress_min_bytes, ctx.compression_level);
      out.push_back(std::move(c));
    }

    std::vector<std::string> owned;
    owned.reserve(11 + out.size() * 4);  // never reallocated: args views into it
    std::vector<std::string_view> args;
    args.reserve(12 + out.size() * 5 + unreadable_count);
    auto num = [&](auto v) -> std::string_view {
      owned.push_back(std::to_string(v));
      return owned.back();
    };
    args.push_back(num(list.elements.size()));
    args.push_back(list.elements.front().str);
    args.push_back(list.elements.back().str);
    owned.push_back(core::make_epoch());
    args.push_back(owned.back());
    args.push_back(num(core::to_unix_ms(ctx.clock.now())));
    args.push_back(num(ctx.limits.buffer_limit));
    args.push_back(num(ctx.limits.buffer_max_bytes));
    args.push_back(num(ctx.limits.ttl.count()));
    args.push_back(num(out.size()));
    for (const auto& c : out) {
      args.push_back(num(c.seq));
      args.push_back(num(c.priority));
      args.push_back(num(c.record.size_bytes));
      args.push_back(c.is_end ? "1" : "0");
      args.push_back(c.record.bytes);
    }
    owned.push_back(format_seq_ranges(unreadable_seqs));
    args.push_back(owned.back());
    args.push_back(num(last_seq_floor));
    args.push_back(num(unreadable_count));
    for (const auto& run : runs) {
      for (std::size_t i = run.first_index; i < run.first_index + run.count; ++i) {
        args.push_back(list.elements[i].str);
      }
    }
    const std::string_view keys[] = {k.state, k.buffer, k.meta, k.tomb, k.quarantine};
    auto r = co_await ctx.link.eval(migrate_script(), keys, args);
    if (!r) {
      co_return r.error();
    }
    if (!r->is_array() || r->elements.empty()) {
      co_return errc::internal;
    }
    const std::string& tag = r->elements[0].str;
    if (tag == "migrated") {
      if (report != nullptr) {
        ++report->migrated;
        report->unreadable_events += unreadable_count;
        if (unreadable_count > 0) {
          report->kept_aside.push_back({stream_id, unreadable_count});
        }
      }
      if (ctx.on_unreadable) {
        for (const auto& run : runs) {
          for (std::size_t i = run.first_index; i < run.first_index + run.count; ++i) {
            ctx.on_unreadable(unreadable_element{stream_id, i, run.seqs,
                                                 list.elements[i].str.size(), k.quarantine});
          }
        }
      }
      co_return migrate_outcome::upgraded;
    }
    if (tag == "done") {
      if (report != nullptr) {
        ++report->skipped;
      }
      co_return migrate_outcome::not_legacy;
    }
    // "changed": read again
  }
  co_return errc::internal;
}

net::awaitable<result<migration_report>> migrate_all_legacy(migration_context ctx,
                                                            std::size_t batch) {
  migration_report report;
  const std::string pattern = std::string(ctx.prefix) + "buffer:*";
  auto targets = co_await ctx.link.node_keys();
  if (!targets) {
    co_return targets.error();
  }
  // Each node SCANned on its own (a cluster's keyspace is split by node); every stream is
  // upgraded on its slot's node.
  for (const std::string& node_key : *targets) {
    if (auto r = co_await migrate_node(ctx, node_key, pattern, batch, report); !r) {
      co_return r.error();
    }
  }
  co_return report;
}

namespace {

net::awaitable<result<void>> migrate_node(const migration_context& ctx, const std::string& node_key,
                                          const std::string& pattern, std::size_t batch,
                                          migration_report& report) {
  std::string cursor = "0";
  // SCAN guarantees every key present for the whole scan is returned at least once; keys
  // created meanwhile are new-layout already. Bounded by the keyspace, not by a count.
  do {
    std::vector<redis::command> scan{
        {"SCAN", cursor, "MATCH", pattern, "COUNT", std::to_string(batch), "TYPE", "list"}};
    auto replies = co_await ctx.link.exec_on_key(node_key, std::move(scan));
    if (!replies) {
      co_return replies.error();
    }
    const redis::reply& r = replies->front();
    if (!r.is_array() || r.elements.size() != 2 || !r.elements[1].is_array()) {
      co_return errc::internal;
    }
    cursor = r.elements[0].str;
    for (const auto& key : r.elements[1].elements) {
      auto id = stream_id_from(ctx.prefix, "buffer:", key.str);
      if (!id) {
        continue;
      }
      ++report.scanned;
      auto m = co_await migrate_legacy_stream(ctx, *id, &report);
      if (!m) {
        co_return m.error();
      }
    }
  } while (cursor != "0");
  co_return result<void>{};
}

}  // namespace

}  // namespace sse::store::redis_layout
