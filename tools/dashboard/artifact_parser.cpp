#include "dashboard/artifact_parser.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdio>

namespace sse::dashboard {

namespace json = boost::json;

namespace {

problem fail(std::string message) {
  return failure(std::move(message));
}

std::optional<double> number_of(const json::value& v) {
  if (v.is_double()) {
    return v.get_double();
  }
  if (v.is_int64()) {
    return static_cast<double>(v.get_int64());
  }
  if (v.is_uint64()) {
    return static_cast<double>(v.get_uint64());
  }
  return std::nullopt;
}

outcome<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec) {
    return fail("not valid JSON (" + ec.message() + "); truncated or corrupt file?");
  }
  if (!root.is_object()) {
    return fail("top level is not a JSON object");
  }
  return std::move(root.as_object());
}

outcome<int> check_schema(const json::object& root) {
  const json::value* v = root.if_contains("schema_version");
  if (v == nullptr) {
    return fail("no schema_version (an artifact older than schema 1?)");
  }
  const auto n = number_of(*v);
  if (!n) {
    return fail("schema_version is not a number");
  }
  const int version = static_cast<int>(*n);
  if (version != supported_schema_version) {
    return fail("schema_version " + std::to_string(version) +
                " is not supported (this dashboard reads " +
                std::to_string(supported_schema_version) + ")");
  }
  return version;
}

std::string scalar_text(const json::value& v) {
  if (v.is_string()) {
    return std::string(v.get_string());
  }
  if (v.is_double()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", v.get_double());
    return buf;
  }
  return json::serialize(v);
}

void flatten_numbers(const json::object& o, const std::string& prefix,
                     std::map<std::string, double>& out) {
  for (const auto& kv : o) {
    const std::string key = prefix + std::string(kv.key());
    if (kv.value().is_object()) {
      flatten_numbers(kv.value().get_object(), key + ".", out);
    } else if (const auto n = number_of(kv.value())) {
      out[key] = *n;
    }
  }
}

void flatten_text(const json::object& o, const std::string& prefix,
                  std::vector<std::pair<std::string, std::string>>& out) {
  for (const auto& kv : o) {
    const std::string key = prefix + std::string(kv.key());
    const json::value& v = kv.value();
    if (v.is_object()) {
      flatten_text(v.get_object(), key + ".", out);
    } else if (v.is_array()) {
      std::string joined;
      for (const json::value& item : v.get_array()) {
        joined += (joined.empty() ? "" : " ") + scalar_text(item);
      }
      out.emplace_back(key, joined);
    } else if (!v.is_null()) {
      out.emplace_back(key, scalar_text(v));
    }
  }
}

outcome<rule_record> parse_rule(const json::value& v, std::size_t index) {
  const std::string where = "rules[" + std::to_string(index) + "]";
  if (!v.is_object()) {
    return fail(where + " is not an object");
  }
  const json::object& o = v.get_object();
  rule_record r;
  for (const char* key : {"name", "metric", "comparison"}) {
    const json::value* f = o.if_contains(key);
    if (f == nullptr || !f->is_string()) {
      return fail(where + "." + key + " missing or not a string");
    }
  }
  r.name = std::string(o.at("name").get_string());
  r.metric = std::string(o.at("metric").get_string());
  r.comparison = std::string(o.at("comparison").get_string());
  if (const json::value* s = o.if_contains("scope"); s != nullptr && s->is_string()) {
    r.scope = std::string(s->get_string());
  }
  const json::value* threshold = o.if_contains("threshold");
  const auto t = threshold != nullptr ? number_of(*threshold) : std::nullopt;
  if (!t) {
    return fail(where + ".threshold missing or not a number");
  }
  r.threshold = *t;
  if (const json::value* value = o.if_contains("value"); value != nullptr) {
    r.value = number_of(*value);
  }
  const json::value* pass = o.if_contains("pass");
  if (pass == nullptr || !pass->is_bool()) {
    return fail(where + ".pass missing or not a boolean");
  }
  r.pass = pass->get_bool();
  return r;
}

}  // namespace

outcome<run_summary> parse_summary(std::string_view text) {
  auto root_r = parse_object(text);
  if (!root_r) {
    return root_r.error();
  }
  const json::object& root = *root_r;
  auto version = check_schema(root);
  if (!version) {
    return version.error();
  }
  run_summary s;
  s.schema_version = *version;

  const json::value* commit = root.if_contains("commit");
  if (commit == nullptr || !(commit->is_string() || commit->is_null())) {
    return fail("commit missing or neither a string nor null");
  }
  if (commit->is_string() && !commit->get_string().empty()) {
    s.commit = std::string(commit->get_string());
  }
  const json::value* date = root.if_contains("date");
  if (date == nullptr || !date->is_string() || date->get_string().empty()) {
    return fail("date missing or not a string");
  }
  s.date = std::string(date->get_string());

  const json::value* machine = root.if_contains("machine");
  if (machine == nullptr || !machine->is_object()) {
    return fail("machine missing or not an object");
  }
  const json::object& m = machine->get_object();
  if (const json::value* h = m.if_contains("hostname"); h != nullptr && h->is_string()) {
    s.machine.hostname = std::string(h->get_string());
  }
  if (const json::value* c = m.if_contains("cpu_model"); c != nullptr && c->is_string()) {
    s.machine.cpu_model = std::string(c->get_string());
  }
  if (const json::value* c = m.if_contains("cores"); c != nullptr) {
    s.machine.cores = static_cast<int>(number_of(*c).value_or(0));
  }

  const json::value* aggregates = root.if_contains("aggregates");
  if (aggregates == nullptr || !aggregates->is_object()) {
    return fail("aggregates missing or not an object");
  }
  flatten_numbers(aggregates->get_object(), "", s.aggregates);
  if (const json::value* cfg = root.if_contains("configuration");
      cfg != nullptr && cfg->is_object()) {
    flatten_text(cfg->get_object(), "", s.configuration);
  }

  const json::value* rules = root.if_contains("rules");
  if (rules == nullptr || !rules->is_array()) {
    return fail("rules missing or not an array");
  }
  std::size_t index = 0;
  for (const json::value& v : rules->get_array()) {
    auto rule = parse_rule(v, index++);
    if (!rule) {
      return rule.error();
    }
    s.rules.push_back(std::move(*rule));
  }

  const json::value* verdict = root.if_contains("verdict");
  if (verdict == nullptr || !verdict->is_string() ||
      (verdict->get_string() != "pass" && verdict->get_string() != "fail")) {
    return fail("verdict missing or neither \"pass\" nor \"fail\"");
  }
  s.verdict = std::string(verdict->get_string());
  if (const json::value* e = root.if_contains("setup_error");
      e != nullptr && e->is_string() && !e->get_string().empty()) {
    s.setup_error = std::string(e->get_string());
  }
  if (const json::value* f = root.if_contains("failure"); f != nullptr && f->is_object()) {
    if (const json::value* msg = f->get_object().if_contains("message");
        msg != nullptr && msg->is_string()) {
      s.failure_message = std::string(msg->get_string());
    }
  }
  return s;
}

outcome<time_series> parse_timeseries(std::string_view text) {
  auto root_r = parse_object(text);
  if (!root_r) {
    return root_r.error();
  }
  const json::object& root = *root_r;
  auto version = check_schema(root);
  if (!version) {
    return version.error();
  }
  time_series ts;
  ts.schema_version = *version;
  const json::value* window = root.if_contains("window_s");
  const auto w = window != nullptr ? number_of(*window) : std::nullopt;
  if (!w || *w <= 0) {
    return fail("window_s missing or not a positive number");
  }
  ts.window_s = *w;
  const json::value* rows = root.if_contains("rows");
  if (rows == nullptr || !rows->is_array()) {
    return fail("rows missing or not an array");
  }
  std::size_t index = 0;
  for (const json::value& v : rows->get_array()) {
    const std::string where = "rows[" + std::to_string(index++) + "]";
    if (!v.is_object()) {
      return fail(where + " is not an object");
    }
    const json::object& o = v.get_object();
    if (ts.columns.empty()) {
      for (const auto& kv : o) {
        ts.columns.emplace_back(kv.key());
      }
    }
    std::vector<std::optional<double>> row(ts.columns.size());
    if (o.size() != ts.columns.size()) {
      return fail(where + " has " + std::to_string(o.size()) + " columns, the first row " +
                  std::to_string(ts.columns.size()));
    }
    for (std::size_t c = 0; c < ts.columns.size(); ++c) {
      const json::value* cell = o.if_contains(ts.columns[c]);
      if (cell == nullptr) {
        return fail(where + " has no column " + ts.columns[c]);
      }
      if (cell->is_null()) {
        continue;
      }
      row[c] = number_of(*cell);
      if (!row[c]) {
        return fail(where + "." + ts.columns[c] + " is neither a number nor null");
      }
    }
    ts.rows.push_back(std::move(row));
  }
  return ts;
}

}  // namespace sse::dashboard
