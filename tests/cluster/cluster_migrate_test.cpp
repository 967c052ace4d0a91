// `sse-gateway migrate --store redis-cluster://...` on a real 3+3 cluster: v1.10-layout streams
// written on every master (each on its slot's master, as v1.10 nodes left them) are found by
// SCANning every master and upgraded on their own node; a second run finds nothing; streams
// touched first by an operation are upgraded on the fly in cluster mode too.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <set>

#include "common/child_process.hpp"
#include "core/clock.hpp"
#include "gateway_process.hpp"
#include "legacy_fixture.hpp"
#include "redis/cluster/slot.hpp"
#include "redis_cluster.hpp"
#include "store/redis/migrate_command.hpp"
#include "store/redis/redis_store.hpp"
#include "store_conformance.hpp"
#include "stream/sse_encoder.hpp"
#include "temp_dir.hpp"

namespace sse::store::cluster_test {
namespace {

using namespace std::chrono_literals;
namespace net = boost::asio;
using conformance::run_sync;
using conformance::run_until;
using redis_test::legacy_stream;
using redis_test::make_legacy_stream;
using redis_test::write_legacy_stream;

const core::clock& test_clock() {
  static const core::system_clock clock;
  return clock;
}

// Runs the command as main() does; returns its exit code and what it printed.
struct command_run {
  int code = -1;
  std::string out;
  std::string err;
};

command_run run_migrate(const std::string& url) {
  test::temp_dir dir("cluster-migrate");
  const auto out_path = dir.path() / "out";
  const auto err_path = dir.path() / "err";
  std::FILE* out = std::fopen(out_path.c_str(), "w+");
  std::FILE* err = std::fopen(err_path.c_str(), "w+");
  migrate_command_options o;
  o.url = url;
  o.batch = 20;
  command_run r;
  r.code = run_migrate_command(o, out, err);
  auto slurp = [](std::FILE* f) {
    std::string text;
    std::rewind(f);
    char buf[512];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) {
      text.append(buf, n);
    }
    std::fclose(f);
    return text;
  };
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

class cluster_migrate : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::redis_cluster::available()) {
      FAIL() << "redis-server or redis-cli not found: scripts/bootstrap.sh installs them";
    }
    cluster_ = std::make_unique<test::redis_cluster>();
  }
  void TearDown() override {
    if (store_) {
      store_->stop();
    }
    io_.restart();
    io_.poll();
    store_.reset();
  }

  redis_store& start_store() {
    redis_store_options o;
    o.connection.connect_timeout = 500ms;
    o.connection.command_timeout = 2s;
    for (auto p : cluster_->ports()) {
      o.cluster_seeds.push_back({"127.0.0.1", p});
    }
    store_ = std::make_unique<redis_store>(
        store_limits{}, o, std::vector<redis_store::executor_type>{io_.get_executor()},
        test_clock());
    store_->start();
    if (!run_until(
            io_, [&] { return store_->available(); }, 20s)) {
      throw std::runtime_error("cluster store did not become available");
    }
    return *store_;
  }

  // Writes the stream on its slot's master, as a v1.10 node did.
  std::size_t write_on_owner(const legacy_stream& ls) {
    const int owner = cluster_->master_of_slot(redis::cluster::key_slot(ls.id));
    EXPECT_GE(owner, 0);
    write_legacy_stream(cluster_->node(static_cast<std::size_t>(owner)), ls);
    return static_cast<std::size_t>(owner);
  }

  void expect_readable(redis_store& s, const legacy_stream& ls) {
    auto r = run_sync(io_, s.read_after(ls.id, 0), 20s);
    ASSERT_TRUE(r.has_value()) << ls.id << ": " << r.error().message();
    EXPECT_EQ(r->epoch, ls.epoch);
    ASSERT_EQ(r->events.size(), ls.events.size()) << ls.id;
    for (std::size_t i = 0; i < ls.events.size(); ++i) {
      const auto& le = ls.events[i];
      EXPECT_EQ(r->events[i].seq, le.seq);
      EXPECT_EQ(*r->events[i].frame, stream::encode_event(ls.epoch, le.seq, le.type, le.data));
    }
  }

  std::size_t legacy_lists_left() {
    std::size_t n = 0;
    for (std::size_t i = 0; i < cluster_->size(); ++i) {
      const auto role = cluster_->node(i).command("ROLE");
      if (role.elements.at(0).str != "master") {
        continue;
      }
      auto lists = cluster_->node(i).command("SCAN", "0", "MATCH", "sse:buffer:*", "COUNT",
                                             "100000", "TYPE", "list");
      n += lists.elements.at(1).elements.size();
    }
    return n;
  }

  std::unique_ptr<test::redis_cluster> cluster_;
  net::io_context io_;
  std::unique_ptr<redis_store> store_;
};

TEST_F(cluster_migrate, migrate_command_scans_every_master_and_upgrades_each_stream_on_its_node) {
  std::vector<legacy_stream> legacy;
  std::set<std::size_t> owners;
  for (int i = 0; i < 90; ++i) {
    legacy.push_back(make_legacy_stream("bulk-" + std::to_string(i), 1 + i % 7));
    owners.insert(write_on_owner(legacy.back()));
  }
  ASSERT_EQ(owners.size(), 3u) << "the streams must be on every master";
  ASSERT_EQ(legacy_lists_left(), 90u);

  const std::string url = "redis-cluster://" + cluster_->seeds();
  const auto first = run_migrate(url);
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_NE(first.out.find("scanned 90 legacy buffers, migrated 90"), std::string::npos)
      << first.out;
  EXPECT_EQ(legacy_lists_left(), 0u);
  const auto again = run_migrate(url);
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find("scanned 0 legacy buffers, migrated 0"), std::string::npos) << again.out;

  auto& s = start_store();
  for (const auto& ls : legacy) {
    expect_readable(s, ls);
  }
  // Upgraded streams take appends that continue their seqs.
  append_request a;
  a.stream_id = legacy.front().id;
  a.events.push_back(stream::new_event{"", "after", 1});
  auto r = run_sync(io_, s.append(std::move(a)), 20s);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->first_seq, legacy.front().last_seq + 1);
}

// The command line itself (the real binary): `sse-gateway migrate --store redis-cluster://...`
// is accepted, as the README says, and upgrades the streams of every master.
TEST_F(cluster_migrate, migrate_subcommand_of_the_binary_takes_a_redis_cluster_url) {
  std::vector<legacy_stream> legacy;
  std::set<std::size_t> owners;
  for (int i = 0; i < 30; ++i) {
    legacy.push_back(make_legacy_stream("cli-" + std::to_string(i), 1 + i % 4));
    owners.insert(write_on_owner(legacy.back()));
  }
  ASSERT_EQ(owners.size(), 3u) << "the streams must be on every master";

  tools::child_options co;
  co.program = test::gateway_process::default_binary();
  co.args = {"migrate", "--store", "redis-cluster://" + cluster_->seeds()};
  co.unset_env = {"SSE_GATEWAY_STORE", "SSE_GATEWAY_REDIS_PREFIX"};
  co.name = "migrate";
  tools::child_process migrate(co);
  const auto status = migrate.wait_exit(60s);
  ASSERT_TRUE(status.has_value()) << "migrate did not exit in time";
  EXPECT_TRUE(tools::exited_with(status, 0)) << tools::describe_status(*status) << "\n"
                                             << migrate.stderr_text();
  EXPECT_NE(migrate.stdout_text().find("scanned 30 legacy buffers, migrated 30"), std::string::npos)
      << migrate.stdout_text() << migrate.stderr_text();
  EXPECT_EQ(legacy_lists_left(), 0u);
  auto& s = start_store();
  for (const auto& ls : legacy) {
    expect_readable(s, ls);
  }
}

TEST_F(cluster_migrate, first_touch_upgrades_a_legacy_stream_in_cluster_mode) {
  const auto ls = make_legacy_stream("touched", 5, {2});
  write_on_owner(ls);
  auto& s = start_store();
  expect_readable(s, ls);
  EXPECT_EQ(legacy_lists_left(), 0u);
}

TEST_F(cluster_migrate, malformed_cluster_url_exits_two) {
  const auto r = run_migrate("redis-cluster://nohost/0");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("malformed --store"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sse::store::cluster_test
