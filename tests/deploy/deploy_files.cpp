#include "deploy_files.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>

namespace sse::test {
namespace {

namespace json = boost::json;

std::optional<std::int64_t> integer(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_number()) {
    return std::nullopt;
  }
  if (v->is_int64()) {
    return v->as_int64();
  }
  if (v->is_uint64()) {
    return static_cast<std::int64_t>(v->as_uint64());
  }
  return std::nullopt;  // a double is no grid position or id
}

std::string text(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

struct cell {
  std::int64_t x, y, w, h;
  std::string who;
};

class dashboard_reader {
 public:
  deploy_file result;

  void read(const json::value& root) {
    if (!root.is_object()) {
      result.problems.push_back("the dashboard is not a JSON object");
      return;
    }
    const json::object& d = root.as_object();
    if (text(d, "title").empty()) {
      result.problems.push_back("the dashboard has no title");
    }
    if (text(d, "uid").empty()) {
      result.problems.push_back("the dashboard has no uid");
    }
    const auto schema = integer(d, "schemaVersion");
    if (!schema || *schema < 36) {
      result.problems.push_back("schemaVersion missing or below 36");
    }
    read_variables(d);
    const json::value* panels = d.if_contains("panels");
    if (panels == nullptr || !panels->is_array() || panels->as_array().empty()) {
      result.problems.push_back("the dashboard has no panels");
      return;
    }
    read_panels(panels->as_array());
  }

 private:
  std::set<std::int64_t> ids_;
  std::vector<cell> cells_;

  void read_variables(const json::object& d) {
    bool ds_input = false;
    if (const json::value* in = d.if_contains("__inputs"); in != nullptr && in->is_array()) {
      for (const json::value& i : in->as_array()) {
        ds_input = ds_input || (i.is_object() && text(i.as_object(), "name") == "DS_PROMETHEUS" &&
                                text(i.as_object(), "pluginId") == "prometheus");
      }
    }
    bool ds_variable = false;
    bool instance = false;
    const json::value* t = d.if_contains("templating");
    const json::value* list =
        t != nullptr && t->is_object() ? t->as_object().if_contains("list") : nullptr;
    if (list != nullptr && list->is_array()) {
      for (const json::value& v : list->as_array()) {
        if (!v.is_object()) {
          continue;
        }
        const json::object& var = v.as_object();
        const std::string name = text(var, "name");
        ds_variable = ds_variable || (name == "DS_PROMETHEUS" && text(var, "type") == "datasource");
        if (name == "instance") {
          instance = true;
          if (text(var, "type") != "query") {
            result.problems.push_back("the instance variable is not a query variable");
          }
        }
        if (text(var, "type") == "query") {
          read_variable_query(name, var);
        }
      }
    }
    if (!ds_input && !ds_variable) {
      result.problems.push_back(
          "no DS_PROMETHEUS: neither an __inputs entry nor a datasource variable");
    }
    if (!instance) {
      result.problems.push_back("no `instance` variable");
    }
  }

  void read_variable_query(const std::string& name, const json::object& var) {
    std::string q;
    if (const json::value* v = var.if_contains("query"); v != nullptr) {
      q = v->is_string()   ? std::string(v->as_string())
          : v->is_object() ? text(v->as_object(), "query")
                           : std::string();
    }
    // label_values(expr, label): the label is a label name, not a metric.
    const std::string_view prefix = "label_values(";
    if (q.rfind(prefix, 0) == 0) {
      const auto comma = q.rfind(',');
      q = comma == std::string::npos || comma < prefix.size()
              ? std::string()  // label_values(label): reads no metric
              : q.substr(prefix.size(), comma - prefix.size());
    }
    if (q.empty()) {
      result.problems.push_back("variable " + name + " has no query");
      return;
    }
    result.exprs.push_back({"variable " + name, q});
  }

  void read_panels(const json::array& panels) {
    for (const json::value& v : panels) {
      if (!v.is_object()) {
        result.problems.push_back("a panel is not an object");
        continue;
      }
      read_panel(v.as_object());
    }
  }

  void read_panel(const json::object& p) {
    const auto id = integer(p, "id");
    const std::string title = text(p, "title");
    const std::string type = text(p, "type");
    const std::string who =
        "panel " + (id ? std::to_string(*id) : std::string("?")) + " \"" + title + "\"";
    if (!id) {
      result.problems.push_back(who + ": no integer id");
    } else if (!ids_.insert(*id).second) {
      result.problems.push_back(who + ": id used twice");
    }
    if (title.empty() || type.empty()) {
      result.problems.push_back(who + ": no title or type");
    }
    check_grid(p, who);
    if (type == "row") {
      if (const json::value* inner = p.if_contains("panels");
          inner != nullptr && inner->is_array()) {
        read_panels(inner->as_array());  // a collapsed row holds its panels
      }
      return;
    }
    check_datasource(p.if_contains("datasource"), who);
    const json::value* targets = p.if_contains("targets");
    if (targets == nullptr || !targets->is_array() || targets->as_array().empty()) {
      result.problems.push_back(who + ": no targets");
      return;
    }
    std::set<std::string> refs;
    for (const json::value& tv : targets->as_array()) {
      if (!tv.is_object()) {
        result.problems.push_back(who + ": a target is not an object");
        continue;
      }
      const json::object& t = tv.as_object();
      const std::string ref = text(t, "refId");
      const std::string expr = text(t, "expr");
      const std::string at = who + " target " + ref;
      if (ref.empty() || !refs.insert(ref).second) {
        result.problems.push_back(at + ": refId missing or used twice");
      }
      if (expr.empty()) {
        result.problems.push_back(at + ": no expr");
        continue;
      }
      if (expr.find("$instance") == std::string::npos) {
        result.problems.push_back(at + ": the expr ignores the $instance variable");
      }
      if (t.if_contains("datasource") != nullptr) {
        check_datasource(t.if_contains("datasource"), at);
      }
      result.exprs.push_back({at, expr});
    }
  }

  void check_datasource(const json::value* ds, const std::string& who) {
    if (ds == nullptr || !ds->is_object() || text(ds->as_object(), "type") != "prometheus" ||
        text(ds->as_object(), "uid") != "${DS_PROMETHEUS}") {
      result.problems.push_back(who +
                                ": datasource is not {\"type\":\"prometheus\",\"uid\":"
                                "\"${DS_PROMETHEUS}\"}");
    }
  }

  void check_grid(const json::object& p, const std::string& who) {
    const json::value* g = p.if_contains("gridPos");
    if (g == nullptr || !g->is_object()) {
      result.problems.push_back(who + ": no gridPos");
      return;
    }
    const auto x = integer(g->as_object(), "x");
    const auto y = integer(g->as_object(), "y");
    const auto w = integer(g->as_object(), "w");
    const auto h = integer(g->as_object(), "h");
    if (!x || !y || !w || !h || *x < 0 || *y < 0 || *w <= 0 || *h <= 0 || *x + *w > 24) {
      result.problems.push_back(who + ": gridPos needs integer x, y >= 0, w, h > 0, x + w <= 24");
      return;
    }
    const cell c{*x, *y, *w, *h, who};
    for (const cell& o : cells_) {
      if (c.x < o.x + o.w && o.x < c.x + c.w && c.y < o.y + o.h && o.y < c.y + c.h) {
        result.problems.push_back(who + ": overlaps " + o.who);
      }
    }
    cells_.push_back(c);
  }
};

std::size_t indent_of(std::string_view line) {
  std::size_t n = 0;
  while (n < line.size() && line[n] == ' ') {
    ++n;
  }
  return n;
}

/// "  key: value" -> {"key", "value"} (value trimmed); nullopt for other lines.
std::optional<std::pair<std::string, std::string>> key_value(std::string_view line) {
  std::size_t i = indent_of(line);
  if (line.substr(i, 2) == "- ") {
    i += 2;
  }
  const std::size_t colon = line.find(':', i);
  if (colon == std::string_view::npos || colon == i) {
    return std::nullopt;
  }
  for (std::size_t k = i; k < colon; ++k) {
    if (!(std::isalnum(static_cast<unsigned char>(line[k])) != 0 || line[k] == '_')) {
      return std::nullopt;
    }
  }
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && value.front() == ' ') {
    value.remove_prefix(1);
  }
  while (!value.empty() && (value.back() == ' ' || value.back() == '\r')) {
    value.remove_suffix(1);
  }
  return std::pair{std::string(line.substr(i, colon - i)), std::string(value)};
}

struct rule_seen {
  std::string name;
  bool alert = false;
  std::set<std::string> keys;
};

void finish_rule(const rule_seen& r, deploy_file& out) {
  if (!r.alert) {
    return;
  }
  for (const char* key : {"expr", "for", "severity", "summary", "description", "runbook_url"}) {
    if (r.keys.count(key) == 0) {
      out.problems.push_back("alert " + r.name + ": no `" + key + ":`");
    }
  }
}

}  // namespace

deploy_file read_dashboard(const json::value& dashboard) {
  dashboard_reader r;
  r.read(dashboard);
  return r.result;
}

deploy_file read_alert_rules(std::string_view yaml) {
  std::vector<std::string_view> lines;
  for (std::size_t pos = 0; pos <= yaml.size();) {
    std::size_t end = yaml.find('\n', pos);
    if (end == std::string_view::npos) {
      end = yaml.size();
    }
    lines.push_back(yaml.substr(pos, end - pos));
    pos = end + 1;
  }
  deploy_file out;
  std::optional<rule_seen> rule;
  std::size_t alerts = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.find_first_not_of(' ') == std::string_view::npos || line[indent_of(line)] == '#') {
      continue;
    }
    const auto kv = key_value(line);
    if (!kv) {
      continue;
    }
    const auto& [key, value] = *kv;
    if (line.substr(indent_of(line), 2) == "- " && (key == "alert" || key == "record")) {
      if (rule) {
        finish_rule(*rule, out);
      }
      rule = rule_seen{value, key == "alert", {}};
      alerts += key == "alert" ? 1 : 0;
      continue;
    }
    if (!rule) {
      continue;
    }
    rule->keys.insert(key);
    if (key != "expr") {
      continue;
    }
    std::string expr;
    if (value == "|" || value == "|-" || value == ">" || value == ">-") {
      // A block scalar: the lines indented deeper than the key (blank ones included).
      const std::size_t key_indent = indent_of(line);
      while (i + 1 < lines.size() &&
             (lines[i + 1].find_first_not_of(' ') == std::string_view::npos ||
              indent_of(lines[i + 1]) > key_indent)) {
        expr.append(lines[++i]).append("\n");
      }
    } else if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) {
      if (value.back() != value.front() || value.find('\\') != std::string::npos) {
        out.problems.push_back(rule->name + ": write a quoted expr without escapes, or unquoted");
      }
      expr = value.substr(1, value.size() - 2);
    } else {
      expr = value;
    }
    if (expr.find_first_not_of(" \n") == std::string::npos) {
      out.problems.push_back((rule->alert ? "alert " : "record ") + rule->name + ": empty expr");
      continue;
    }
    out.exprs.push_back({(rule->alert ? "alert " : "record ") + rule->name, expr});
  }
  if (rule) {
    finish_rule(*rule, out);
  }
  if (alerts == 0) {
    out.problems.push_back("no `- alert:` rule found");
  }
  return out;
}

}  // namespace sse::test
