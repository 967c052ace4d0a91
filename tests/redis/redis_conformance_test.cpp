// The shared store conformance suite on the Redis store: the same tests the memory store passes.

#include "redis_fixture.hpp"
#include "store_conformance.hpp"

namespace sse::store::redis_test {
namespace {

using conformance::store_conformance;

INSTANTIATE_TEST_SUITE_P(redis, store_conformance,
                         ::testing::Values(conformance::store_factory{
                             "redis",
                             {},
                             [](const store_limits& limits,
                                boost::asio::io_context& io) -> std::unique_ptr<store> {
                               return make_started_store(io, limits, test_options(shared_redis()));
                             },
                             [] { shared_redis().command("FLUSHALL"); }}),
                         conformance::conformance_test_name);

}  // namespace
}  // namespace sse::store::redis_test
