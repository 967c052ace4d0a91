// Start-up with an unusable certificate or key: a clear message naming the file and
// the reason, and a non-zero exit, before anything listens.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/child_process.hpp"
#include "gateway_process.hpp"
#include "self_signed.hpp"
#include "temp_dir.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;

struct startup_result {
  std::optional<int> status;
  std::string err;
};

startup_result run_gateway(const std::vector<std::string>& tls_args, const temp_dir& dir) {
  tools::child_options o;
  o.program = gateway_process::default_binary();
  o.args = {"--listen",    "127.0.0.1:0", "--auth",      "none",
            "--telemetry", "none",        "--port-file", (dir / "port").string()};
  o.args.insert(o.args.end(), tls_args.begin(), tls_args.end());
  o.output_dir = dir.path();
  o.name = "bad-tls";
  o.unset_env = {"SSE_GATEWAY_TLS_CERT", "SSE_GATEWAY_TLS_KEY"};
  tools::child_process p(std::move(o));
  startup_result r;
  r.status = p.wait_exit(10s);
  if (!r.status) {
    p.kill_and_wait();
  }
  r.err = p.stderr_text();
  return r;
}

class tls_startup_test : public ::testing::Test {
 protected:
  tls_startup_test() : good_(make_self_signed()), other_(make_self_signed("another")) {
    write_text_file(dir_ / "cert.pem", good_.cert_pem);
    write_text_file(dir_ / "key.pem", good_.key_pem);
    write_text_file(dir_ / "other-key.pem", other_.key_pem);
    write_text_file(dir_ / "garbage.pem", "this is not a certificate\n");
    write_text_file(dir_ / "empty.pem", "");
  }
  std::string path(const char* name) const { return (dir_ / name).string(); }

  /// Expects exit status 1, no port file, and stderr containing every one of `needles`.
  void expect_refused(const std::vector<std::string>& args,
                      const std::vector<std::string>& needles) {
    const auto r = run_gateway(args, dir_);
    ASSERT_TRUE(r.status) << "still running: " << r.err;
    EXPECT_TRUE(tools::exited_with(r.status, 1)) << tools::describe_status(*r.status) << "\n"
                                                 << r.err;
    for (const auto& n : needles) {
      EXPECT_NE(r.err.find(n), std::string::npos) << "missing \"" << n << "\" in:\n" << r.err;
    }
    EXPECT_TRUE(read_file_text(dir_ / "port").empty()) << "it must not have listened";
  }

  temp_dir dir_{"sse-tls-startup"};
  self_signed good_;
  self_signed other_;
};

TEST_F(tls_startup_test, a_missing_certificate_file) {
  expect_refused({"--tls-cert", path("nope.pem"), "--tls-key", path("key.pem")},
                 {"TLS:", "nope.pem", "--tls-cert"});
}

TEST_F(tls_startup_test, a_missing_key_file) {
  expect_refused({"--tls-cert", path("cert.pem"), "--tls-key", path("nope-key.pem")},
                 {"TLS:", "nope-key.pem", "--tls-key"});
}

TEST_F(tls_startup_test, an_empty_or_non_pem_certificate) {
  expect_refused({"--tls-cert", path("empty.pem"), "--tls-key", path("key.pem")},
                 {"TLS:", "empty.pem"});
  expect_refused({"--tls-cert", path("garbage.pem"), "--tls-key", path("key.pem")},
                 {"TLS: cannot load the certificate chain", "garbage.pem"});
}

TEST_F(tls_startup_test, a_key_that_is_not_a_key) {
  expect_refused({"--tls-cert", path("cert.pem"), "--tls-key", path("garbage.pem")},
                 {"TLS: cannot load the private key", "garbage.pem"});
}

TEST_F(tls_startup_test, a_key_that_does_not_match_the_certificate) {
  // Same key type (P-256), another certificate's key.
  expect_refused({"--tls-cert", path("cert.pem"), "--tls-key", path("other-key.pem")},
                 {"TLS: the private key", "other-key.pem", "does not match", "cert.pem"});
  // The certificate given as the key.
  expect_refused({"--tls-cert", path("cert.pem"), "--tls-key", path("cert.pem")},
                 {"TLS: cannot load the private key", "cert.pem"});
}

TEST_F(tls_startup_test, a_certificate_without_a_key) {
  expect_refused({"--tls-cert", path("cert.pem")}, {"--tls-cert and --tls-key go together"});
}

TEST_F(tls_startup_test, the_good_pair_starts) {
  // The control: the same harness with the right files listens.
  gateway_options o;
  o.args = {"--tls-cert", path("cert.pem"), "--tls-key", path("key.pem")};
  gateway_process gw(o);
  EXPECT_GT(gw.port(), 0);
}

}  // namespace
}  // namespace sse::test
