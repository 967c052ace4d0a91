#include "same_answers.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "h2_tools.hpp"

namespace sse::test::h2 {

std::string normalized(std::string body, const std::string& epoch) {
  if (!epoch.empty()) {
    for (auto at = body.find(epoch); at != std::string::npos; at = body.find(epoch, at)) {
      body.replace(at, epoch.size(), "EPOCH");
    }
  }
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) {
    return body;
  }
  auto& o = v.as_object();
  for (const char* k :
       {"created_at", "created_at_ms", "updated_at", "updated_at_ms", "expires_in_seconds"}) {
    o.erase(k);
  }
  return boost::json::serialize(v);
}

std::string epoch_of(const std::string& json_body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(json_body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("epoch")) {
    return {};
  }
  return std::string(v.as_object().at("epoch").as_string());
}

std::vector<std::string> run_steps(const std::string& base, bool h2,
                                   const std::vector<step>& steps) {
  std::vector<std::string> out;
  std::string epoch;
  for (const auto& s : steps) {
    const auto a = curl(h2, s.method, base + s.path, s.extra);
    EXPECT_EQ(a.http_version, h2 ? "2" : "1.1") << s.method << " " << s.path;
    if (epoch.empty()) {
      epoch = epoch_of(a.body);
    }
    out.push_back(s.method + " " + s.path + " -> " + std::to_string(a.status) + " " +
                  (s.compare_body ? normalized(a.body, epoch) : std::string()));
  }
  return out;
}

}  // namespace sse::test::h2
