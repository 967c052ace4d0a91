#include "chaos_checks.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <tuple>

#include "telemetry/names.hpp"

namespace sse::test {

std::string describe_received(const chaos_subscriber& s, std::size_t around, std::size_t radius) {
  const auto& got = s.received();
  std::string out = "[";
  const std::size_t from = around > radius ? around - radius : 0;
  const std::size_t to = std::min(got.size(), around + radius + 1);
  if (from > 0) {
    out += "... ";
  }
  for (std::size_t i = from; i < to; ++i) {
    out += (i == around ? ">" : "") + (got[i].event.empty() ? "" : got[i].event + " ") + got[i].id +
           " from " + s.received_from()[i] + (i + 1 < to ? ", " : "");
  }
  if (to < got.size()) {
    out += " ...";
  }
  return out + "] (" + std::to_string(got.size()) + " events, " +
         std::to_string(s.reconnects().size()) + " reconnects)";
}

::testing::AssertionResult delivered_exactly_once(const chaos_subscriber& s,
                                                  const chaos_producer& p) {
  const auto& got = s.received();
  const auto& sent = p.events();
  const std::string epoch = p.epoch();
  const seq_t end_seq = p.end_seq();
  auto fail = [&](std::size_t i, const std::string& what) {
    return ::testing::AssertionFailure() << s.name() << " on stream " << s.stream() << ": " << what
                                         << " at position " << i << ": " << describe_received(s, i);
  };
  if (end_seq == 0) {
    return ::testing::AssertionFailure() << p.stream() << " was never ended";
  }
  seq_t expected = 1;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const auto& e = got[i];
    const auto id = split_event_id(e.id);
    if (!id) {
      return fail(i, "malformed id \"" + e.id + "\"");
    }
    if (id->first != epoch) {
      return fail(i, "epoch " + id->first + " instead of " + epoch);
    }
    if (e.event == "gap" || e.event == "reset") {
      return fail(i, "unexpected " + e.event + " " + e.data);
    }
    if (id->second != expected) {
      return fail(i, "expected seq " + std::to_string(expected) + ", got " +
                         std::to_string(id->second) +
                         (id->second < expected ? " (duplicate or reorder)" : " (loss)"));
    }
    if (expected == end_seq) {
      if (e.event != "end") {
        return fail(i, "expected the end event, got type \"" + e.event + "\"");
      }
      if (i + 1 != got.size()) {
        return fail(i + 1, "events after the end");
      }
      return ::testing::AssertionSuccess();
    }
    if (expected > sent.size()) {
      return fail(i, "seq beyond the " + std::to_string(sent.size()) + " acknowledged events");
    }
    const auto& want = sent[expected - 1];
    if (e.data != want.data || e.event != want.type) {
      return fail(i, "data or type differ from the acknowledged event (got \"" +
                         e.data.substr(0, 40) + "\", want \"" + want.data.substr(0, 40) + "\")");
    }
    ++expected;
  }
  return fail(got.size(), "stopped before the end (next expected seq " + std::to_string(expected) +
                              " of " + std::to_string(end_seq) + ")");
}

::testing::AssertionResult no_problems(const std::vector<std::string>& problems) {
  if (problems.empty()) {
    return ::testing::AssertionSuccess();
  }
  auto r = ::testing::AssertionFailure();
  r << problems.size() << " problems:";
  for (std::size_t i = 0; i < problems.size() && i < 40; ++i) {
    r << "\n  " << problems[i];
  }
  return r;
}

namespace {

using namespace std::chrono_literals;
namespace names = telemetry::names;

using key = std::tuple<std::string, std::string, std::string>;  // stream, last id / "", node

std::string describe(const key& k) {
  return std::get<0>(k) + " " + std::get<1>(k) + " @" + std::get<2>(k);
}

/// Equal multisets, or a failure listing what is missing and what is extra.
/// What the subscriber knows of each reconnect, to explain a missing event.
using notes = std::multimap<key, std::string>;

::testing::AssertionResult same_multiset(const std::string& what, const std::multiset<key>& want,
                                         const std::multiset<key>& got,
                                         const telemetry_collector& tc, const event_match& m,
                                         const notes& about = {}) {
  if (want == got) {
    return ::testing::AssertionSuccess();
  }
  std::vector<key> missing;
  std::vector<key> extra;
  std::set_difference(want.begin(), want.end(), got.begin(), got.end(),
                      std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(extra));
  auto r = ::testing::AssertionFailure();
  r << what << ": want " << want.size() << ", got " << got.size() << ".";
  r << "\n missing (" << missing.size() << "):";
  for (std::size_t i = 0; i < missing.size() && i < 20; ++i) {
    r << "\n  " << describe(missing[i]);
    const auto [from, to] = about.equal_range(missing[i]);
    for (auto it = from; it != to; ++it) {
      r << "\n    " << it->second;
    }
  }
  r << "\n extra (" << extra.size() << "):";
  for (std::size_t i = 0; i < extra.size() && i < 20; ++i) {
    r << "\n  " << describe(extra[i]);
  }
  r << "\n" << tc.dump(m);
  return r;
}

std::string field_string(const telemetry::event& e, std::string_view k) {
  const auto* v = e.fields.if_contains(k);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::multiset<key> observed(const telemetry_collector& tc, const event_match& m,
                            std::string_view id_field) {
  std::multiset<key> out;
  for (const auto& e : tc.events(m)) {
    out.insert({e.stream, id_field.empty() ? std::string() : field_string(e, id_field),
                field_string(e, "node")});
  }
  return out;
}

}  // namespace

void check_resume_telemetry(const telemetry_collector& tc,
                            const std::vector<const chaos_subscriber*>& subs,
                            const std::map<std::string, seq_t>& end_seqs, bool exact_disconnects) {
  std::multiset<key> attempts;
  std::multiset<key> live_ends;
  std::map<std::string, std::size_t> drops;
  std::map<std::string, std::size_t> resets;
  notes about;
  for (const auto* s : subs) {
    for (const auto& r : s->reconnects()) {
      if (r.status != 0) {
        attempts.insert({s->stream(), r.last_event_id, r.node});
        about.insert({{s->stream(), r.last_event_id, r.node},
                      s->name() + " (after " + std::string(to_string(r.cause)) + "): status " +
                          std::to_string(r.status) + ", read " + std::to_string(r.events) +
                          " events, then " + r.ended});
      }
    }
    if (!s->reconnects().empty() && s->finished()) {
      live_ends.insert({s->stream(), "", s->final_node()});
    }
    drops[s->stream()] += s->drops_seen();
    resets[s->stream()] += s->resets_done();
  }

  const event_match attempt_m{.name = std::string(names::resume_attempt)};
  const event_match success_m{.name = std::string(names::resume_success)};
  const event_match live_end_m{.name = std::string(names::resume_live_end)};
  // Wait (bounded) for the totals, then compare exactly who and where.
  tc.wait_for_count(attempt_m, attempts.size(), 10s);
  tc.wait_for_count(success_m, attempts.size(), 10s);
  tc.wait_for_count(live_end_m, live_ends.size(), 10s);
  EXPECT_TRUE(tc.count_is(attempt_m, attempts.size(), 1s));
  EXPECT_TRUE(same_multiset("SseResumeAttempt (stream, last_event_id, node) per reconnect",
                            attempts, observed(tc, attempt_m, "last_event_id"), tc, attempt_m,
                            about));
  EXPECT_TRUE(same_multiset("SseResumeSuccess (stream, last_event_id, node) per reconnect",
                            attempts, observed(tc, success_m, "last_event_id"), tc, success_m,
                            about));
  EXPECT_TRUE(tc.none(
      {.name = std::string(names::resume_success),
       .pred = [](const telemetry::event& e) { return !telemetry::field_is(e, "missed", 0); }}))
      << "nothing was trimmed, so no resume missed anything";
  EXPECT_TRUE(same_multiset("SseResumeLiveEnd (stream, node) per resumed subscriber", live_ends,
                            observed(tc, live_end_m, ""), tc, live_end_m));
  for (const auto& e : tc.events(live_end_m)) {
    const auto it = end_seqs.find(e.stream);
    if (it != end_seqs.end()) {
      EXPECT_TRUE(telemetry::field_is(e, "last_seq", it->second))
          << "SseResumeLiveEnd names the end seq " << it->second << ": " << describe_event(e);
    }
  }
  for (const auto& [stream, n] : drops) {
    EXPECT_TRUE(
        tc.count_is({.name = std::string(names::slow_client_dropped), .stream = stream}, n, 10s))
        << "one SseSlowClientDropped per client of " << stream << " that stopped reading";
  }
  if (exact_disconnects) {
    for (const auto& [stream, n] : resets) {
      EXPECT_TRUE(
          tc.count_is({.name = std::string(names::client_disconnected), .stream = stream}, n, 10s))
          << "one SseClientDisconnected per reset of a client of " << stream;
    }
  }
  EXPECT_TRUE(tc.none({.name = std::string(names::resume_failure)}));
}

}  // namespace sse::test
