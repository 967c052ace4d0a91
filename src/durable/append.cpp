// POST: appending, with Stream-Seq, idempotent producers and closing.
#include <boost/asio/use_awaitable.hpp>

#include "durable/door.hpp"
#include "durable/door_detail.hpp"

namespace sse::durable {

namespace net = boost::asio;
using namespace detail;

net::awaitable<reply> door::append(const request& req, const std::string& id) {
  const bool close = header_true(req.header("Stream-Closed").value_or(""));
  const auto content_type = req.header("Content-Type");
  const auto stream_seq = req.header("Stream-Seq");
  const auto producer = parse_producer(req.header("Producer-Id"), req.header("Producer-Epoch"),
                                       req.header("Producer-Seq"));
  if (!producer.error.empty()) {
    co_return error_reply(400, "invalid_producer", producer.error);
  }
  const bool close_only = req.body.empty();
  for (int attempt = 0; attempt < 20; ++attempt) {
    reply error;
    auto s = co_await locate(id, error);
    if (!s) {
      co_return error;
    }
    auto closed_reply = [&](unsigned status) {
      reply r = status == 409 ? error_reply(409, "stream_closed", "the stream is closed")
                              : base_reply(status);
      r.headers.emplace_back("Stream-Next-Offset", mint_offset(s->tail()));
      r.headers.emplace_back("Stream-Closed", "true");
      return r;
    };
    if (close_only && !close) {
      co_return error_reply(400, "empty_body", "an append needs a body");
    }
    std::vector<std::string> messages;
    if (!close_only) {
      if (!content_type || content_type->empty()) {
        co_return error_reply(400, "missing_content_type", "an append needs a Content-Type");
      }
      if (!same_content_type(*content_type, s->meta.content_type)) {
        co_return error_reply(
            409, "content_type_mismatch",
            "the stream's content type is " + s->meta.content_type + ", not " + *content_type);
      }
      if (is_json_type(s->meta.content_type)) {
        auto j = flatten_json(req.body, false);
        if (!j.error.empty()) {
          co_return error_reply(400, "invalid_json", j.error);
        }
        messages = std::move(j.messages);
      } else {
        messages.push_back(req.body);
      }
    }
    // Stream-Seq and producer state live in the stored events: read them, decide, then append
    // only if nothing came in between (producer_seq is the seq the batch must get).
    const bool conditional = stream_seq.has_value() || producer.tag.has_value();
    std::optional<std::string> last_seq_text;
    std::optional<producer_tag> last_producer;
    if (conditional) {
      auto r = co_await store_.read_after(id, meta_seq);
      if (!r) {
        co_return store_failure(r.error());
      }
      const auto events = data_events(*r);
      last_seq_text = last_stream_seq(events);
      if (producer.tag) {
        last_producer = last_producer_state(events, producer.tag->id);
      }
    }
    if (producer.tag) {
      const auto& tag = *producer.tag;
      switch (check_producer(last_producer, tag)) {
        case producer_verdict::stale_epoch: {
          reply r = error_reply(403, "stale_producer_epoch",
                                "Producer-Epoch " + std::to_string(tag.epoch) +
                                    " is older than the producer's current epoch");
          r.headers.emplace_back("Producer-Epoch", std::to_string(last_producer->epoch));
          co_return r;
        }
        case producer_verdict::seq_gap: {
          const auto expected = last_producer ? last_producer->seq + 1 : 0;
          reply r = error_reply(409, "producer_seq_gap",
                                "Producer-Seq " + std::to_string(tag.seq) + " skips ahead of " +
                                    std::to_string(expected));
          r.headers.emplace_back("Producer-Expected-Seq", std::to_string(expected));
          r.headers.emplace_back("Producer-Received-Seq", std::to_string(tag.seq));
          co_return r;
        }
        case producer_verdict::new_epoch_not_at_zero:
          co_return error_reply(400, "invalid_producer", "a new Producer-Epoch starts at seq 0");
        case producer_verdict::duplicate: {
          reply r = s->closed() ? closed_reply(204) : base_reply(204);
          if (!s->closed()) {
            r.headers.emplace_back("Stream-Next-Offset", mint_offset(s->tail()));
          }
          r.headers.emplace_back("Producer-Epoch", std::to_string(tag.epoch));
          r.headers.emplace_back("Producer-Seq", std::to_string(last_producer->seq));
          co_return r;
        }
        case producer_verdict::accept:
          break;
      }
    }
    if (s->closed()) {
      co_return closed_reply(close_only ? 204 : 409);  // closing again is a no-op
    }
    if (stream_seq && last_seq_text && *stream_seq <= *last_seq_text) {
      co_return error_reply(
          409, "stream_seq_conflict",
          "Stream-Seq '" + *stream_seq + "' is not above the last one, '" + *last_seq_text + "'");
    }
    store::append_request a;  // the store restarts a Stream-TTL's window on the append
    a.stream_id = id;
    if (conditional) {
      a.producer_seq = s->info.last_seq + 1;
    }
    for (std::size_t i = 0; i < messages.size(); ++i) {
      const bool last = i + 1 == messages.size();
      stored_data d{std::move(messages[i]), last ? stream_seq : std::nullopt,
                    last ? producer.tag : std::nullopt};
      a.events.push_back({std::string(data_type), encode_stored(d), data_priority, false});
    }
    if (close_only && producer.tag) {
      // A close by a producer is a step of its sequence too: a state event carries it.
      stored_data d{"", std::nullopt, producer.tag};
      a.events.push_back({std::string(state_type), encode_stored(d), data_priority, false});
    }
    seq_t tail = s->tail();
    if (!a.events.empty()) {
      const std::size_t count = a.events.size();
      auto appended = co_await store_.append(std::move(a));
      if (!appended) {
        if (appended.error() == errc::producer_seq_conflict) {
          continue;  // another append came first: decide again
        }
        if (appended.error() == errc::stream_ended) {
          co_return closed_reply(409);
        }
        co_return store_failure(appended.error());
      }
      if (appended->duplicate) {
        continue;
      }
      if (observer_ != nullptr) {
        observer_->appended(id, count, *appended);
      }
      tail = appended->last_seq;
    }
    if (close) {
      auto ended = co_await store_.end(id, store::stream_status::completed);
      if (!ended) {
        co_return store_failure(ended.error());
      }
      if (observer_ != nullptr) {
        observer_->ended(id, *ended);
      }
      tail = ended->last_seq - 1;
    }
    if (observer_ != nullptr) {
      observer_->append_accepted();
    }
    reply r = base_reply(producer.tag && !close_only ? 200 : 204);
    r.headers.emplace_back("Stream-Next-Offset", mint_offset(tail));
    if (close) {
      r.headers.emplace_back("Stream-Closed", "true");
    }
    if (producer.tag) {
      r.headers.emplace_back("Producer-Epoch", std::to_string(producer.tag->epoch));
      r.headers.emplace_back("Producer-Seq", std::to_string(producer.tag->seq));
    }
    co_return r;
  }
  co_return error_reply(503, "store_busy", "the stream kept changing; retry the append");
}

}  // namespace sse::durable
