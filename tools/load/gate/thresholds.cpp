#include "load/gate/thresholds.hpp"

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

namespace sse::load {
namespace {

namespace json = boost::json;

bool read_number(const json::value& v, double& out) {
  if (v.is_double()) {
    out = v.get_double();
    return true;
  }
  if (v.is_int64()) {
    out = static_cast<double>(v.get_int64());
    return true;
  }
  if (v.is_uint64()) {
    out = static_cast<double>(v.get_uint64());
    return true;
  }
  return false;
}

}  // namespace

result<thresholds> parse_thresholds(std::string_view text, std::string& message) {
  boost::system::error_code ec;
  const json::value root = json::parse(text, ec);
  if (ec || !root.is_object()) {
    message = "gate file is not a JSON object";
    return make_error_code(errc::invalid_argument);
  }
  thresholds t;
  struct rate_key {
    const char* name;
    double* field;
    bool is_rate;
  };
  struct count_key {
    const char* name;
    std::uint64_t* field;
  };
  const rate_key doubles[] = {
      {"window_min_resume_success_rate", &t.window_min_resume_success_rate, true},
      {"window_max_trim_rate", &t.window_max_trim_rate, true},
      {"window_max_append_error_rate", &t.window_max_append_error_rate, true},
      {"max_resume_latency_ms", &t.max_resume_latency_ms, false},
      {"run_min_resume_success_rate", &t.run_min_resume_success_rate, true},
      {"run_max_p95_deliver_latency_ms", &t.run_max_p95_deliver_latency_ms, false},
      {"run_min_appended_fraction", &t.run_min_appended_fraction, true},
      {"run_min_delivered_fraction", &t.run_min_delivered_fraction, true},
      {"run_min_resume_attempts_fraction", &t.run_min_resume_attempts_fraction, true},
  };
  const count_key counts[] = {
      {"window_min_resume_attempts", &t.window_min_resume_attempts},
      {"run_max_unannounced_losses", &t.run_max_unannounced_losses},
      {"run_max_duplicates", &t.run_max_duplicates},
      {"run_max_reorders", &t.run_max_reorders},
      {"run_min_resume_attempts", &t.run_min_resume_attempts},
      {"run_min_events_delivered", &t.run_min_events_delivered},
  };
  bool saw_version = false;
  for (const auto& [key, value] : root.get_object()) {
    if (key == "doc") {
      continue;
    }
    if (key == "schema_version") {
      if (!value.is_int64() || value.get_int64() != 1) {
        message = "gate file: schema_version must be 1";
        return make_error_code(errc::invalid_argument);
      }
      saw_version = true;
      continue;
    }
    bool known = false;
    for (const auto& d : doubles) {
      if (key != d.name) {
        continue;
      }
      known = true;
      double v = 0;
      if (!read_number(value, v) || v < 0 || (d.is_rate && v > 1)) {
        message = std::string("gate file: ") + d.name +
                  (d.is_rate ? " must be a number in [0, 1]" : " must be a number >= 0");
        return make_error_code(errc::invalid_argument);
      }
      *d.field = v;
    }
    for (const auto& c : counts) {
      if (key != c.name) {
        continue;
      }
      known = true;
      if (value.is_int64() && value.get_int64() >= 0) {
        *c.field = static_cast<std::uint64_t>(value.get_int64());
      } else if (value.is_uint64()) {
        *c.field = value.get_uint64();
      } else {
        message = std::string("gate file: ") + c.name + " must be an integer >= 0";
        return make_error_code(errc::invalid_argument);
      }
    }
    if (!known) {
      message = "gate file: unknown key \"" + std::string(key) + "\"";
      return make_error_code(errc::invalid_argument);
    }
  }
  if (!saw_version) {
    message = "gate file: schema_version missing";
    return make_error_code(errc::invalid_argument);
  }
  return t;
}

result<thresholds> load_thresholds(const std::string& path, std::string& message) {
  std::ifstream in(path);
  if (!in) {
    message = "cannot read gate file " + path;
    return make_error_code(errc::invalid_argument);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_thresholds(text.str(), message);
}

}  // namespace sse::load
