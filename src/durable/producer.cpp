// Idempotent producers (PROTOCOL.md 5.2.1): parsing the headers and judging a request.
#include "durable/digits.hpp"
#include "durable/protocol.hpp"

namespace sse::durable {

using detail::all_digits;
using detail::digits_value;

producer_parse parse_producer(const std::optional<std::string>& id,
                              const std::optional<std::string>& epoch,
                              const std::optional<std::string>& seq) {
  producer_parse out;
  const int given = (id ? 1 : 0) + (epoch ? 1 : 0) + (seq ? 1 : 0);
  if (given == 0) {
    return out;
  }
  if (given != 3) {
    out.error = "Producer-Id, Producer-Epoch and Producer-Seq go together: send all three or none";
    return out;
  }
  if (id->empty()) {
    out.error = "Producer-Id must not be empty";
    return out;
  }
  auto number = [](const std::string& text) -> std::optional<std::uint64_t> {
    if (!all_digits(text) || (text.size() > 1 && text.front() == '0')) {
      return std::nullopt;
    }
    auto v = digits_value<std::uint64_t>(text);
    if (!v || *v > max_producer_number) {
      return std::nullopt;
    }
    return v;
  };
  auto e = number(*epoch);
  auto q = number(*seq);
  if (!e || !q) {
    out.error = "Producer-Epoch and Producer-Seq must be integers from 0 to 2^53-1, not '" +
                *epoch + "' and '" + *seq + "'";
    return out;
  }
  out.tag = producer_tag{*id, *e, *q};
  return out;
}

producer_verdict check_producer(const std::optional<producer_tag>& last, const producer_tag& req) {
  if (!last) {
    return req.seq == 0 ? producer_verdict::accept : producer_verdict::seq_gap;
  }
  if (req.epoch < last->epoch) {
    return producer_verdict::stale_epoch;
  }
  if (req.epoch > last->epoch) {
    return req.seq == 0 ? producer_verdict::accept : producer_verdict::new_epoch_not_at_zero;
  }
  if (req.seq <= last->seq) {
    return producer_verdict::duplicate;
  }
  return req.seq == last->seq + 1 ? producer_verdict::accept : producer_verdict::seq_gap;
}

}  // namespace sse::durable
