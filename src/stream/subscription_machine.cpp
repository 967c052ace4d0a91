#include "stream/subscription_machine.hpp"

#include <algorithm>

namespace sse::stream {

namespace {

/// How many of frames, written in order, lie entirely within the first `bytes` bytes.
std::size_t whole_frames_within(std::span<const std::string* const> frames,
                                std::size_t bytes) noexcept {
  std::size_t count = 0;
  for (const auto& f : frames) {
    if (f->size() > bytes) {
      break;
    }
    bytes -= f->size();
    ++count;
  }
  return count;
}

}  // namespace

subscription_machine::subscription_machine(settings s, frame_ptr heartbeat,
                                           frame_ptr shutdown_comment)
    : settings_(s),
      heartbeat_(std::move(heartbeat)),
      shutdown_comment_(std::move(shutdown_comment)) {}

void subscription_machine::push_control(frame_ptr f, bool at_front) {
  if (at_front) {
    out_.insert(out_.begin(), f.get());
  } else {
    out_.push_back(f.get());
  }
  keep_.push_back(std::move(f));
}

void subscription_machine::push_plan(replay_plan& plan) {
  out_events_ += plan.replayed;
  out_gaps_ += plan.frames.size() - plan.replayed;
  for (auto& f : plan.frames) {
    out_.push_back(f.get());
    keep_.push_back(std::move(f));
  }
  next_seq_ = plan.next_seq;
  end_reached_ = end_reached_ || plan.reached_end;
}

void subscription_machine::set_token_deadline(time_point t, frame_ptr frame) {
  token_deadline_ = t;
  token_frame_ = std::move(frame);
}

bool subscription_machine::on_batch(std::shared_ptr<const event_batch> batch) {
  if (slow_ || end_reached_) {
    return false;
  }
  for (const auto& e : batch->events) {
    queued_bytes_ += e.frame ? e.frame->size() : 0;
  }
  queue_.push_back(std::move(batch));
  // Only a client that does not take what is already being written is slow; a big batch for an
  // idle writer goes out at once.
  if (write_in_flight_ && queued_bytes_ > settings_.max_queue_bytes) {
    slow_ = true;
    dropped_queue_bytes_ = queued_bytes_;
    queue_.clear();
    queued_bytes_ = 0;
    return true;
  }
  return false;
}

void subscription_machine::on_resync() {
  need_reread_ = true;
  reread_not_before_ = time_point{};
}

void subscription_machine::drain_queue() {
  for (const auto& batch : queue_) {
    if (need_reread_ || end_reached_ || gone_) {
      break;
    }
    if (batch->epoch != epoch_) {
      gone_ = true;  // a new incarnation of the id: this subscription's stream is over
      break;
    }
    const std::size_t before = out_.size();
    for (const auto& e : batch->events) {
      if (e.seq < next_seq_) {
        continue;  // already replayed (the hand-over overlap)
      }
      if (e.seq > next_seq_) {
        need_reread_ = true;  // a batch went missing: a store read fills the hole
        break;
      }
      out_.push_back(e.frame.get());
      ++out_events_;
      ++next_seq_;
      if (e.is_end) {
        end_reached_ = true;
        break;
      }
    }
    if (out_.size() != before) {
      keep_.push_back(batch);  // its frames are pending
    }
  }
  // Whatever is left was appended before a re-read that starts now, so the read covers it.
  queue_.clear();
  queued_bytes_ = 0;
}

void subscription_machine::reread_done(std::string_view epoch,
                                       const std::vector<stored_event>& events, seq_t last_seq,
                                       std::span<const seq_range> unreadable) {
  if (epoch != epoch_) {
    gone_ = true;
    return;
  }
  replay_plan plan = plan_replay(epoch_, next_seq_ - 1, events, last_seq, unreadable);
  push_plan(plan);
}

void subscription_machine::reread_failed(time_point now, bool not_found) {
  if (not_found) {
    gone_ = true;
    return;
  }
  // The store is unreachable: keep the client (heartbeats go on) and try again soon.
  need_reread_ = true;
  reread_not_before_ = now + settings_.store_retry;
}

subscription_machine::decision subscription_machine::next(time_point now) {
  if (finishing_) {
    return {.what = step::close};  // the final write was made (or failed): nothing more
  }
  if (token_deadline_ && !end_reached_ && now >= *token_deadline_) {
    token_expired_ = true;
    return finish();
  }
  // Batches already queued go out even on shutdown: a stream ended just before (a relay call
  // ends its streams before the connections close) must reach its subscribers with its end.
  // Only a store re-read, which could take long, is not started any more.
  drain_queue();
  if (!shutdown_) {
    if (need_reread_ && !end_reached_ && !gone_ && now >= reread_not_before_) {
      need_reread_ = false;
      return {.what = step::reread, .after = next_seq_ - 1};
    }
  }
  if (out_.empty()) {
    if (end_reached_ || gone_ || shutdown_ || slow_) {
      return finish();
    }
    time_point due = last_write_ + settings_.heartbeat;
    if (token_deadline_) {
      due = std::min(due, *token_deadline_);
    }
    if (need_reread_) {
      due = std::min(due, reread_not_before_);
    }
    if (now < due) {
      return {.what = step::wait, .until = due};
    }
    out_.push_back(heartbeat_.get());  // kept alive by heartbeat_
  }
  return {.what = step::write, .last = end_reached_};
}

subscription_machine::decision subscription_machine::finish() {
  finishing_ = true;
  if (slow_) {
    return {.what = step::close};
  }
  if (token_expired_) {
    // The client reconnects with a fresh token and resumes from the last id it saw.
    out_.push_back(token_frame_.get());
  } else if (shutdown_) {
    out_.push_back(shutdown_comment_.get());
  }
  return {.what = step::finish, .last = true};
}

subscription_machine::delivered subscription_machine::written(time_point now, bool ok,
                                                              std::size_t bytes) {
  write_in_flight_ = false;
  delivered d{out_events_, out_gaps_};
  if (!ok) {
    // A peer that leaves part-way through a large write (a replay of megabytes in one gather
    // write) still received the frames that went out whole before the error: count them, so a
    // resume that delivered events gets its SseResumeSuccess instead of no outcome at all.
    // Frames are not tagged event/gap, so whole frames count as events first: only the
    // delivered-events count can be off, by at most the number of gaps in this write.
    const std::size_t whole = whole_frames_within(out_, bytes);
    d.events = std::min(whole, d.events);
    d.gaps = std::min(whole - d.events, d.gaps);
    finishing_ = true;
  } else {
    last_write_ = now;
    if (end_reached_ && !finishing_) {
      end_written_ = true;
      finishing_ = true;
    }
  }
  out_.clear();
  keep_.clear();
  // A replay of a full buffer (256 events and more) grew these to hundreds of slots, which a
  // live subscriber would keep for the connection's life (~10 KB). Small writes, the steady
  // path, keep their capacity: no allocation per delivered event.
  release_if_large(out_);
  release_if_large(keep_);
  if (queue_.empty()) {
    release_if_large(queue_);
  }
  out_events_ = 0;
  out_gaps_ = 0;
  delivered_ += d.events;
  return d;
}

subscription_machine::ending subscription_machine::end() const noexcept {
  if (slow_) {
    return ending::slow;
  }
  if (end_written_ || end_reached_) {
    return ending::end_event;
  }
  if (token_expired_) {
    return ending::token_expired;
  }
  if (shutdown_) {
    return ending::shutdown;
  }
  return gone_ ? ending::gone : ending::none;
}

}  // namespace sse::stream
