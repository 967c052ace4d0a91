// `sse-gateway migrate --store redis-sentinel://...` with the real binary on a real primary +
// replica + 3 sentinels: the command asks the sentinels for the primary and upgrades the
// v1.10-layout streams there, as the README says (it used to exit 2 for any URL but redis://).

#include <gtest/gtest.h>

#include "common/child_process.hpp"
#include "gateway_process.hpp"
#include "legacy_fixture.hpp"
#include "redis_sentinel.hpp"

namespace sse::store::sentinel_test {
namespace {

using namespace std::chrono_literals;
using redis_test::make_legacy_stream;
using redis_test::write_legacy_stream;

TEST(sentinel_migrate, migrate_subcommand_of_the_binary_takes_a_redis_sentinel_url) {
  if (!test::redis_sentinel_setup::available()) {
    FAIL() << "redis-server not found: scripts/bootstrap.sh installs it";
  }
  test::redis_sentinel_setup setup;
  for (int i = 0; i < 4; ++i) {
    write_legacy_stream(setup.data(0), make_legacy_stream("sent-" + std::to_string(i), 5, {2}));
  }

  tools::child_options co;
  co.program = test::gateway_process::default_binary();
  co.args = {"migrate", "--store", setup.url()};
  co.unset_env = {"SSE_GATEWAY_STORE", "SSE_GATEWAY_REDIS_PREFIX"};
  co.name = "migrate";
  tools::child_process migrate(co);
  const auto status = migrate.wait_exit(60s);
  ASSERT_TRUE(status.has_value()) << "migrate did not exit in time";
  EXPECT_TRUE(tools::exited_with(status, 0)) << tools::describe_status(*status) << "\n"
                                             << migrate.stderr_text();
  EXPECT_NE(migrate.stdout_text().find("scanned 4 legacy buffers, migrated 4"), std::string::npos)
      << migrate.stdout_text() << migrate.stderr_text();
  EXPECT_EQ(setup.data(0).command("TYPE", "sse:buffer:{sent-1}").str, "zset");
}

}  // namespace
}  // namespace sse::store::sentinel_test
