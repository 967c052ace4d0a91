#include "tls_fixture.hpp"

#include <boost/json/serialize.hpp>
#include <stdexcept>

#include "common/child_process.hpp"
#include "metric_value.hpp"

namespace sse::test {

tls_test::tls_test()
    : cert_(make_self_signed()), cert_file_(dir_ / "cert.pem"), key_file_(dir_ / "key.pem") {
  write_text_file(cert_file_, cert_.cert_pem);
  write_text_file(key_file_, cert_.key_pem);
}

void tls_test::use_certificate(key_kind kind) {
  cert_ = make_self_signed("sse-gateway test", kind);
  write_text_file(cert_file_, cert_.cert_pem);
  write_text_file(key_file_, cert_.key_pem);
}

gateway_options tls_test::options(std::vector<std::string> args) const {
  gateway_options o;
  o.name = "tls-gateway";
  o.args = {"--tls-cert", cert_file_.string(), "--tls-key", key_file_.string()};
  o.args.insert(o.args.end(), args.begin(), args.end());
  return o;
}

void tls_test::start(std::vector<std::string> args) {
  start_with(options(std::move(args)));
}

void tls_test::start_with(gateway_options o) {
  gw_ = std::make_unique<gateway_process>(std::move(o));
  https_ = std::make_unique<http_client>(gw_->host(), gw_->port(), client_tls());
}

tls_client_config tls_test::client_tls() const {
  tls_client_config c;
  c.ca_pem = cert_.cert_pem;
  return c;
}

boost::json::object tls_test::append(std::string_view stream, std::string_view data,
                                     const header_list& headers) {
  boost::json::object body{{"data", data}};
  auto res = https().post("/v1/streams/" + std::string(stream) + "/events",
                          boost::json::serialize(body), "application/json", headers);
  if (res.status != 200) {
    throw std::runtime_error("append: " + res.describe());
  }
  return res.json_object();
}

std::unique_ptr<sse_client> tls_test::subscribe(std::string_view stream,
                                                std::optional<std::string> last_event_id,
                                                std::string_view query) {
  sse_request r;
  r.target = "/v1/streams/" + std::string(stream) + "/events";
  if (!query.empty()) {
    r.target += "?" + std::string(query);
  }
  r.last_event_id = std::move(last_event_id);
  return std::make_unique<sse_client>(gw_->host(), gw_->port(), std::move(r), client_tls());
}

double tls_test::metric(std::string_view name_and_labels) {
  auto res = https().get("/metrics");
  if (res.status != 200) {
    return -1;
  }
  return metric_value(res.body, name_and_labels).value_or(-1);
}

std::string tls_test::curl_https(const std::string& target, const std::vector<std::string>& flags) {
  using namespace std::chrono_literals;
  const std::string port = std::to_string(gw().port());
  tools::child_options o;
  o.program = "curl";
  o.args = {"-s", "--cacert", cert_file_.string(), "--max-time", "20"};
  o.args.insert(o.args.end(), flags.begin(), flags.end());
  o.args.insert(o.args.end(), {"--resolve", "localhost:" + port + ":127.0.0.1",
                               "https://localhost:" + port + target});
  o.name = "curl";
  tools::child_process p(std::move(o));
  if (!p.wait_exit(30s)) {
    p.kill_and_wait();
    ADD_FAILURE() << "curl did not finish";
  }
  EXPECT_EQ(p.exit_code(), 0) << p.stderr_text();
  return p.stdout_text();
}

}  // namespace sse::test
