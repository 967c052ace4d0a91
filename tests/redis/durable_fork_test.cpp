// The Durable Streams door's soft delete of a forked source across two gateway processes on one
// Redis: the tombstone, the fork registry and the fork's metadata live in the store, so every
// node gives the same answers (410 while a fork lives, 409 for a re-create, 404 once the last
// fork is gone).

#include <gtest/gtest.h>

#include "bounded_wait.hpp"
#include "gateway_process.hpp"
#include "http_client.hpp"
#include "redis_fixture.hpp"

namespace sse::store::redis_test {
namespace {

using test::gateway_process;
using test::http_client;
using namespace std::chrono_literals;

class durable_fork : public ::testing::Test {
 protected:
  void SetUp() override { shared_redis().command("FLUSHALL"); }

  http_client& node(std::size_t i) {
    while (nodes_.size() <= i) {
      test::gateway_options o;
      o.args = {"--store", shared_redis().url()};
      o.name = "node" + std::to_string(nodes_.size());
      nodes_.push_back(std::make_unique<gateway_process>(o));
      clients_.push_back(
          std::make_unique<http_client>(nodes_.back()->host(), nodes_.back()->port()));
      auto& c = *clients_.back();
      EXPECT_TRUE(test::bounded_wait([&] { return c.get("/readyz").status == 200; }, 10s));
    }
    return *clients_[i];
  }
  void TearDown() override {
    if (HasFailure()) {
      for (auto& n : nodes_) {
        std::cout << "---- " << n->diagnostics() << std::endl;
      }
    }
    clients_.clear();
    nodes_.clear();
  }

  std::vector<std::unique_ptr<gateway_process>> nodes_;
  std::vector<std::unique_ptr<http_client>> clients_;
};

const test::header_list text{{"Content-Type", "text/plain"}};

TEST_F(durable_fork,
       a_source_deleted_while_a_fork_lives_is_gone_on_every_node_until_the_fork_goes) {
  http_client& a = node(0);
  http_client& b = node(1);
  ASSERT_EQ(a.put("/v1/stream/src", "kept", text).status, 201);
  auto fork = b.put("/v1/stream/fork", {},
                    {{"Content-Type", "text/plain"}, {"Stream-Forked-From", "/v1/stream/src"}});
  ASSERT_EQ(fork.status, 201) << fork.describe();

  ASSERT_EQ(a.del("/v1/stream/src").status, 204);
  for (http_client* n : {&a, &b}) {
    EXPECT_EQ(n->request("HEAD", "/v1/stream/src").status, 410);
    EXPECT_EQ(n->get("/v1/stream/src?offset=-1").status, 410);
    EXPECT_EQ(n->post("/v1/stream/src", "x", "text/plain").status, 410);
    EXPECT_EQ(n->put("/v1/stream/src", {}, text).status, 409);
  }
  auto refork = a.put("/v1/stream/fork2", {},
                      {{"Content-Type", "text/plain"}, {"Stream-Forked-From", "/v1/stream/src"}});
  EXPECT_EQ(refork.status, 409) << refork.describe();
  auto read = a.get("/v1/stream/fork?offset=-1");
  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(read.body, "kept");

  // The last fork goes on one node: the source is gone on the other too, and may be made again.
  ASSERT_EQ(a.del("/v1/stream/fork").status, 204);
  EXPECT_EQ(b.request("HEAD", "/v1/stream/src").status, 404);
  EXPECT_EQ(a.request("HEAD", "/v1/stream/src").status, 404);
  EXPECT_EQ(b.put("/v1/stream/src", "new", text).status, 201);
  EXPECT_EQ(a.get("/v1/stream/src?offset=-1").body, "new");
}

}  // namespace
}  // namespace sse::store::redis_test
