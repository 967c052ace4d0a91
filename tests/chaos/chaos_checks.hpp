#pragma once
// The checks every scenario shares: what a subscriber received against what the producer had
// acknowledged, and the resume telemetry against what the subscribers did.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "chaos_producer.hpp"
#include "chaos_subscriber.hpp"
#include "telemetry_collector.hpp"

namespace sse::test {

/// Every acknowledged event exactly once, in seq order, with its data and type, then the end
/// event at the producer's end seq and nothing after; no gap and no reset; every id in the
/// producer's epoch.
::testing::AssertionResult delivered_exactly_once(const chaos_subscriber& s,
                                                  const chaos_producer& p);

/// Collects problems() of producers and subscribers into one failure (or success when none).
::testing::AssertionResult no_problems(const std::vector<std::string>& problems);

/// `[a:3 from n1, gap a:7 from n2, ...]` around position i, for messages.
std::string describe_received(const chaos_subscriber& s, std::size_t around,
                              std::size_t radius = 3);

/// The resume telemetry of a scenario whose only disconnects are the subscribers' own (cuts,
/// and connections a node closed), checked against what the subscribers did:
///  - one SseResumeAttempt per reconnect, on the node it went to, with its Last-Event-ID;
///  - one matching SseResumeSuccess each (missed 0: nothing was trimmed);
///  - one SseResumeLiveEnd per subscriber that resumed at least once, on the node of its last
///    connection, with the stream's end seq;
///  - SseSlowClientDropped per stream = the drops the subscribers waited for;
///  - SseClientDisconnected per stream = their resets (when `exact_disconnects`);
///  - no SseResumeFailure.
/// `end_seqs`: the end seq of each stream.
void check_resume_telemetry(const telemetry_collector& tc,
                            const std::vector<const chaos_subscriber*>& subs,
                            const std::map<std::string, seq_t>& end_seqs,
                            bool exact_disconnects = true);

}  // namespace sse::test
