#pragma once
// EVALSHA with the NOSCRIPT reload, one rule for the single-node and the cluster client: the
// scripts are loaded at every connect, but a SCRIPT FLUSH, a restarted server or a master promoted
// since then answers NOSCRIPT; the call is then sent again right behind a SCRIPT LOAD of its
// script, both in one round trip (pipelined), so no extra round trip is spent on the load.

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <vector>

#include "core/error.hpp"
#include "redis/reply.hpp"

namespace sse::redis {

/// Sends the script call, right after a SCRIPT LOAD of its script when load_first, and returns
/// one reply per command sent (error replies are values). Errors as the link's exec.
using script_sender =
    std::function<boost::asio::awaitable<result<std::vector<reply>>>(bool load_first)>;

/// Calls send(false); while the call's reply is NOSCRIPT, send(true), at most max_reloads times.
/// Returns the call's reply (which may be another error reply). errc::internal when a send
/// returns another number of replies than commands, or NOSCRIPT outlasts max_reloads; the
/// sender's error as it is.
boost::asio::awaitable<result<reply>> call_with_noscript_reload(script_sender send,
                                                                int max_reloads);

}  // namespace sse::redis
