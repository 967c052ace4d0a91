#include "store/redis/unreadable.hpp"

#include <algorithm>
#include <charconv>

namespace sse::store::redis_layout {

std::vector<unreadable_run> find_unreadable_runs(std::span<const std::optional<seq_t>> seqs,
                                                 seq_t last_seq) {
  std::vector<unreadable_run> runs;
  std::size_t i = 0;
  while (i < seqs.size()) {
    if (seqs[i].has_value()) {
      ++i;
      continue;
    }
    unreadable_run run;
    run.first_index = i;
    while (i < seqs.size() && !seqs[i].has_value()) {
      ++i;
    }
    run.count = i - run.first_index;
    const seq_t prev = run.first_index > 0 ? *seqs[run.first_index - 1] : 0;
    const seq_t last = i < seqs.size() ? *seqs[i] - 1 : std::max<seq_t>(last_seq, prev + run.count);
    if (prev < last) {
      run.seqs = stream::seq_range{prev + 1, last};
    }
    runs.push_back(run);
  }
  return runs;
}

std::string format_seq_ranges(std::span<const stream::seq_range> ranges) {
  std::string out;
  for (const auto& r : ranges) {
    if (!out.empty()) {
      out.push_back(',');
    }
    out.append(std::to_string(r.from)).push_back('-');
    out.append(std::to_string(r.to));
  }
  return out;
}

std::vector<stream::seq_range> parse_seq_ranges(std::string_view text) {
  std::vector<stream::seq_range> out;
  auto parse = [](std::string_view s, seq_t& v) {
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return !s.empty() && ec == std::errc{} && ptr == s.data() + s.size();
  };
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view part = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const std::size_t dash = part.find('-');
    stream::seq_range r;
    if (dash == std::string_view::npos || !parse(part.substr(0, dash), r.from) ||
        !parse(part.substr(dash + 1), r.to) || r.from == 0 || r.from > r.to ||
        (!out.empty() && r.from <= out.back().to)) {
      continue;
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace sse::store::redis_layout
