#pragma once
// The TLS suite's fixture: a certificate made in the test, the real gateway started with
// --tls-cert/--tls-key, and HTTPS/SSE clients that trust that certificate.

#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway_process.hpp"
#include "http_client.hpp"
#include "self_signed.hpp"
#include "sse_client.hpp"
#include "temp_dir.hpp"

namespace sse::test {

class tls_test : public ::testing::Test {
 protected:
  tls_test();

  /// Replaces the fixture's certificate (before start()) with a fresh one of this kind.
  void use_certificate(key_kind kind);
  /// Starts the gateway serving HTTPS with the fixture's certificate, plus `args`.
  void start(std::vector<std::string> args = {});
  /// The options start() uses (for tests that add environment variables instead of flags).
  gateway_options options(std::vector<std::string> args = {}) const;
  void start_with(gateway_options o);

  gateway_process& gw() { return *gw_; }
  /// An HTTPS client of the gateway (its own connection).
  http_client& https() { return *https_; }
  tls_client_config client_tls() const;

  /// POST one event over HTTPS; expects 200; returns the answer.
  boost::json::object append(std::string_view stream, std::string_view data,
                             const header_list& headers = {});
  /// An SSE subscription over TLS.
  std::unique_ptr<sse_client> subscribe(std::string_view stream,
                                        std::optional<std::string> last_event_id = std::nullopt,
                                        std::string_view query = {});
  /// A sample of GET /metrics (over HTTPS) with exactly this name and labels; -1 if absent.
  double metric(std::string_view name_and_labels);
  /// curl over HTTPS to `target`, trusting the fixture's certificate, with `flags` (e.g.
  /// --http2, -w ...) before the URL; at most 30 s, and it must exit 0. Its stdout.
  std::string curl_https(const std::string& target, const std::vector<std::string>& flags);

  temp_dir dir_{"sse-tls-test"};
  self_signed cert_;
  std::filesystem::path cert_file_;
  std::filesystem::path key_file_;
  std::unique_ptr<gateway_process> gw_;
  std::unique_ptr<http_client> https_;
};

}  // namespace sse::test
