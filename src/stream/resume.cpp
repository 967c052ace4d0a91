#include "stream/resume.hpp"

#include <algorithm>

#include "core/epoch.hpp"
#include "stream/sse_encoder.hpp"

namespace sse::stream {
namespace {

constexpr std::size_t max_seq_digits = 20;  // UINT64_MAX has 20 digits

std::optional<seq_t> parse_seq(std::string_view text) {
  if (text.empty() || text.size() > max_seq_digits) {
    return std::nullopt;
  }
  seq_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    auto digit = static_cast<seq_t>(c - '0');
    if (n > (UINT64_MAX - digit) / 10) {
      return std::nullopt;
    }
    n = n * 10 + digit;
  }
  return n;
}

}  // namespace

result<resume_point> parse_resume_point(std::string_view text) {
  resume_point rp;
  auto colon = text.find(':');
  std::string_view seq_text = text;
  if (colon != std::string_view::npos) {
    std::string_view epoch = text.substr(0, colon);
    if (!core::is_valid_epoch(epoch)) {
      return errc::bad_resume_point;
    }
    rp.epoch.assign(epoch);
    seq_text = text.substr(colon + 1);
  }
  auto seq = parse_seq(seq_text);
  if (!seq) {
    return errc::bad_resume_point;
  }
  rp.seq = *seq;
  return rp;
}

namespace {

resume_decision decide_without_checkpoint(const std::optional<resume_point>& rp,
                                          std::string_view current_epoch, seq_t last_seq,
                                          bool ended) {
  if (!rp) {
    return {resume_kind::from_start, 0};
  }
  if (!rp->epoch.empty() && rp->epoch != current_epoch) {
    return {resume_kind::reset_epoch, 0};
  }
  // An ended stream has nothing after its end event: a position at or past it is finished
  // (HTTP 204 stops EventSource), not "ahead" — the API says "at or past the end event".
  if (ended && rp->seq >= last_seq) {
    return {resume_kind::finished, rp->seq};
  }
  if (rp->seq > last_seq) {
    return {resume_kind::reset_ahead, 0};
  }
  return {resume_kind::resume, rp->seq};
}

}  // namespace

resume_decision decide_resume(const std::optional<resume_point>& rp, std::string_view current_epoch,
                              seq_t last_seq, bool ended, seq_t checkpoint_seq,
                              history_mode history) {
  resume_decision d = decide_without_checkpoint(rp, current_epoch, last_seq, ended);
  // A client that has not seen the latest checkpoint starts there: it holds everything before.
  // checkpoint_seq > last_seq cannot come from a consistent read; ignoring it is safe.
  if (history == history_mode::full || checkpoint_seq == 0 || checkpoint_seq > last_seq ||
      d.kind == resume_kind::finished || d.after >= checkpoint_seq) {
    return d;
  }
  if (d.after + 1 < checkpoint_seq) {
    d.superseded = seq_range{d.after + 1, checkpoint_seq - 1};
  }
  d.after = checkpoint_seq - 1;
  d.at_checkpoint = true;
  return d;
}

replay_plan plan_replay(std::string_view epoch, seq_t after,
                        const std::vector<stored_event>& events, seq_t last_seq,
                        std::span<const seq_range> unreadable) {
  replay_plan plan;
  plan.frames.reserve(events.size() + 1);
  seq_t expected = after + 1;  // the next seq the subscriber has not seen
  auto push_gap = [&](seq_t from, seq_t to, gap_reason reason) {
    plan.frames.push_back(std::make_shared<const std::string>(encode_gap(epoch, from, to, reason)));
  };
  // Announces [expected, to]: the parts inside unreadable ranges as such, the rest as trimmed.
  auto announce_gap = [&](seq_t to) {
    plan.missed += to - expected + 1;
    seq_t from = expected;
    for (const seq_range& u : unreadable) {
      if (u.to < from || u.from > to) {
        continue;
      }
      if (u.from > from) {
        push_gap(from, u.from - 1, gap_reason::trimmed);
        from = u.from;
      }
      const seq_t end = std::min(u.to, to);
      push_gap(from, end, gap_reason::unreadable);
      if (end == to) {
        return;
      }
      from = end + 1;
    }
    push_gap(from, to, gap_reason::trimmed);
  };
  for (const stored_event& e : events) {
    if (e.seq < expected) {
      continue;  // not after the resume point: the caller's read was wider than asked
    }
    if (e.seq > expected) {
      announce_gap(e.seq - 1);
    }
    plan.frames.push_back(e.frame);
    ++plan.replayed;
    plan.reached_end = plan.reached_end || e.is_end;
    expected = e.seq + 1;
  }
  if (expected <= last_seq) {
    announce_gap(last_seq);  // the newest seqs were trimmed
    expected = last_seq + 1;
  }
  plan.next_seq = std::max(expected, last_seq + 1);
  return plan;
}

replay_plan plan_start(std::string_view epoch, const resume_decision& decision,
                       const std::vector<stored_event>& events, seq_t last_seq,
                       std::span<const seq_range> unreadable) {
  replay_plan plan = plan_replay(epoch, decision.after, events, last_seq, unreadable);
  if (decision.superseded) {
    const seq_range& s = *decision.superseded;
    plan.frames.insert(plan.frames.begin(), std::make_shared<const std::string>(encode_gap(
                                                epoch, s.from, s.to, gap_reason::checkpoint)));
    plan.skipped = s.to - s.from + 1;
  }
  return plan;
}

}  // namespace sse::stream
