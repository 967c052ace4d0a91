#include "load/sequence_checker.hpp"

#include <boost/json.hpp>
#include <charconv>

namespace sse::load {
namespace {

// Remembering every hole would let a broken gateway grow the tool's memory; beyond this many
// a late arrival is counted as a duplicate instead of a reorder (both fail the run).
constexpr std::size_t max_holes = 4096;

bool parse_seq(std::string_view text, seq_t& out) {
  if (text.empty()) {
    return false;
  }
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && ptr == text.data() + text.size();
}

}  // namespace

bool parse_event_id(std::string_view id, std::string_view& epoch, seq_t& seq) {
  const auto colon = id.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return false;
  }
  if (!parse_seq(id.substr(colon + 1), seq)) {
    return false;
  }
  epoch = id.substr(0, colon);
  return true;
}

void sequence_checker::start_stream() noexcept {
  epoch_.clear();
  position_ = 0;
  ended_ = false;
  holes_.clear();
}

std::string sequence_checker::resume_point() const {
  if (epoch_.empty()) {
    return {};
  }
  return epoch_ + ":" + std::to_string(position_);
}

check_result sequence_checker::on_event(const stream::parsed_event& ev) {
  check_result r;
  if (ev.event == "reset") {
    // The gateway could not honour our position: the stream starts again from seq 1 in the
    // epoch the reset names; the events it replays are checked from scratch.
    r.what = check_result::kind::reset;
    r.in_order = false;
    boost::system::error_code ec;
    const auto v = boost::json::parse(ev.data, ec);
    epoch_.clear();
    if (!ec && v.is_object()) {
      if (const auto* e = v.as_object().if_contains("epoch"); e != nullptr && e->is_string()) {
        epoch_ = std::string(e->get_string());
      }
    }
    position_ = 0;
    holes_.clear();
    return r;
  }
  // Per event: no allocation unless the epoch changes.
  std::string_view epoch;
  seq_t seq = 0;
  if (!ev.id_set || !parse_event_id(ev.id, epoch, seq)) {
    return r;
  }
  if (epoch_.empty()) {
    epoch_ = epoch;
  } else if (epoch != epoch_) {
    // Another incarnation without a reset announcing it: nothing of ours can be trusted.
    r.what = check_result::kind::data;
    r.in_order = false;
    r.lost = position_ > 0 ? position_ : 1;
    epoch_ = epoch;
    position_ = seq;
    holes_.clear();
    return r;
  }

  seq_t first = seq;  // first seq this event covers
  if (ev.event == "gap") {
    r.what = check_result::kind::gap;
    boost::system::error_code ec;
    const auto v = boost::json::parse(ev.data, ec);
    if (!ec && v.is_object()) {
      if (const auto* f = v.as_object().if_contains("from"); f != nullptr && f->is_int64()) {
        first = static_cast<seq_t>(f->get_int64());
      }
    }
    if (first > seq) {
      first = seq;
    }
  } else if (ev.event == "end") {
    r.what = check_result::kind::end;
  } else {
    r.what = check_result::kind::data;
  }

  if (seq <= position_) {
    r.in_order = false;
    const auto hole = holes_.find(seq);
    if (hole != holes_.end()) {
      r.reorder = true;
      holes_.erase(hole);
    } else {
      r.duplicate = true;
    }
    return r;
  }
  if (first > position_ + 1) {
    r.in_order = false;
    r.lost = first - position_ - 1;
    for (seq_t s = position_ + 1; s < first && holes_.size() < max_holes; ++s) {
      holes_.insert(s);
    }
  } else if (first <= position_) {
    // A gap overlapping what we already have: announced twice.
    r.in_order = false;
    r.duplicate = true;
  }
  if (r.what == check_result::kind::gap) {
    r.gap_seqs = seq - std::max(first, position_ + 1) + 1;
  }
  position_ = seq;
  if (r.what == check_result::kind::end) {
    ended_ = true;
  }
  return r;
}

}  // namespace sse::load
