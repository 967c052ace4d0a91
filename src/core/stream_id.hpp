#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace sse::core {

inline constexpr std::size_t max_stream_id_length = 128;

/// True when id is 1-128 characters of [A-Za-z0-9._:-] (API v1).
bool is_valid_stream_id(std::string_view id) noexcept;

/// True when type is 1-64 characters of [A-Za-z0-9_.:-] (API v1 event types).
bool is_valid_event_type(std::string_view type) noexcept;

// Relay namespaces. Relay mode records an upstream's answer into the stream
// "relay.<route>.<key>", a namespace only the relay writes: a client's Idempotency-Key can then
// never name a stream somebody else made, and the API refuses writes there. A route's scope
// name "relay:<route>" is not a stream id at all, so that a token for the route cannot act on a
// stream of that name.

/// Prefix of the streams relay mode records into.
inline constexpr std::string_view relay_stream_prefix = "relay.";
/// Prefix of the scope names of relay routes (`publish: ["relay:chat"]`); no stream has it.
inline constexpr std::string_view relay_scope_prefix = "relay:";

/// Prefix of the Durable Streams door's store streams ("ds:" + the escaped path, src/durable) and
/// of its scope names ("ds:" + the path as sent, `subscribe: ["ds:chat/*"]`). API v1 refuses ids
/// with it, so that the two doors' streams stay apart.
inline constexpr std::string_view durable_prefix = "ds:";

/// True for "relay.<route>.<key>" ids: read through the API, written only by relay mode.
bool is_relay_stream_id(std::string_view id) noexcept;

/// True for ids the API refuses outright: those starting with "relay:" (scope names) or "ds:"
/// (the Durable Streams door's streams and scope names).
bool is_reserved_stream_id(std::string_view id) noexcept;

/// True when key is 1+ characters of [A-Za-z0-9_:-]: no '.', which separates the route from
/// the key (route names may hold dots, keys may not, so the split is unambiguous).
bool is_valid_relay_key(std::string_view key) noexcept;

/// "relay.<route>.<key>", or nullopt when the key is not valid or the id would be longer than
/// max_stream_id_length.
std::optional<std::string> relay_stream_id(std::string_view route, std::string_view key);

/// The longest key relay_stream_id accepts for `route`.
std::size_t max_relay_key_length(std::string_view route) noexcept;

/// The route of a relay stream id (between "relay." and the last '.'), or nullopt when `id` is
/// not of the form relay_stream_id makes.
std::optional<std::string_view> relay_route_of(std::string_view id) noexcept;

}  // namespace sse::core
