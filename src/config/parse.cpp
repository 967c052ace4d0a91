#include "config/parse.hpp"

// CLI11 is header-only and heavy: this is the only file that includes it.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <array>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "config/duration.hpp"
#include "config/env_file.hpp"
#include "config/settings.hpp"
#include "config/version.hpp"

namespace sse::config {
namespace {

constexpr std::string_view usage_hint = "Run with --help for more information.\n";

constexpr std::string_view migrate_store_forms =
    "Store URLs (as for the gateway's --store):\n"
    "  redis://[[user]:password@]host[:port][/db]\n"
    "  redis-cluster://[[user]:password@]host:port[,host:port...]   (SCANs every master)\n"
    "  redis-sentinel://[[user]:password@]host:port[,host:port...]/master-name[/db]";

/// Every store the gateway runs on Redis with (app/store_factory.cpp picks by these prefixes).
bool is_redis_store(std::string_view store) {
  return store.starts_with("redis://") || store.starts_with("redis-cluster://") ||
         store.starts_with("redis-sentinel://");
}

void fail(parse_outcome& out, std::string text) {
  out.exit_now = true;
  out.exit_code = 2;
  out.message = "sse-gateway: " + std::move(text) + "\n" + std::string(usage_hint);
}

std::string invalid(std::string_view source, std::string_view value, const setting& s) {
  return std::string(source) + ": invalid value \"" + std::string(value) + "\": expected " +
         s.expect;
}

std::string help_line(const setting& s, const config& defaults) {
  std::string h = s.help;
  const std::string def = s.show(defaults);
  if (!def.empty() && !s.is_switch) {
    h += " (default: " + def + ")";
  }
  h += " [env " + s.env + "]";
  return h;
}

const setting& find_setting(std::string_view name) {
  for (const auto& s : settings()) {
    if (s.name == name) {
      return s;
    }
  }
  // The table is ours; a missing row is a bug caught by the unit tests.
  throw std::logic_error("no setting named " + std::string(name));
}

}  // namespace

std::string node_id_default() {
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0 || host[0] == '\0') {
    return "node-" + std::to_string(::getpid());
  }
  return std::string(host.data()) + "-" + std::to_string(::getpid());
}

parse_outcome parse_config(int argc, const char* const* argv,
                           const std::function<const char*(const char*)>& getenv) {
  parse_outcome out;
  const auto& table = settings();
  const config defaults{};

  CLI::App app{"sse-gateway: resumable Server-Sent Events streams over HTTP", "sse-gateway"};
  app.set_version_flag("--version", std::string("sse-gateway ") + gateway_version() + " (git " +
                                        gateway_commit() + ")");
  app.get_formatter()->column_width(32);
  app.footer(
      "Durations: 250ms, 15s, 5m, 1h (a bare number is seconds). Byte sizes: 65536, 64KiB, "
      "1MiB, 1GiB.\nEvery flag can also be set with its variable; the flag wins.");

  // Values are taken as text and parsed by the table, not by CLI11, so that the flag and the
  // variable go through exactly the same parser and error message.
  std::vector<std::string> raw(table.size());
  std::vector<CLI::Option*> opts(table.size());
  for (std::size_t i = 0; i < table.size(); ++i) {
    const setting& s = table[i];
    if (s.is_switch) {
      // Not add_flag(name, text): in CLI11 2.1 that binds the flag to `text` as its variable.
      opts[i] = app.add_flag("--" + s.name)->description(help_line(s, defaults));
    } else {
      opts[i] = app.add_option("--" + s.name, raw[i], help_line(s, defaults))
                    ->type_name(s.type_name)
                    ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    }
  }

  // Hidden (no group): a build step, not something to run by hand; the package makes
  // /etc/default/sse-gateway with it (config/env_file.hpp).
  CLI::Option* print_env_file = app.add_flag("--print-env-file")
                                    ->description("Print the service's environment file and exit")
                                    ->group("");

  std::string migrate_store;
  std::string migrate_prefix;
  CLI::App* migrate = app.add_subcommand(
      "migrate", "Upgrade every legacy-layout stream in Redis to the current layout, then exit");
  // Same wording as the top-level help: `[env VAR]` after each option; the top-level footer
  // (durations, byte sizes) is about flags migrate does not have.
  CLI::Option* migrate_store_opt =
      migrate
          ->add_option("--store", migrate_store,
                       "The Redis store, any form the gateway takes (see below) [env " +
                           env_name("store") + "]")
          ->type_name("URL");
  CLI::Option* migrate_prefix_opt =
      migrate
          ->add_option("--redis-prefix", migrate_prefix,
                       "Prefix of every Redis key (default: " + defaults.redis_prefix + ") [env " +
                           env_name("redis-prefix") + "]")
          ->type_name("TEXT");
  migrate->footer(std::string(migrate_store_forms) +
                  "\nEach option can also be set with its variable; the option wins.");
  // Lets `migrate --log-level debug` reach the top-level flag.
  migrate->fallthrough();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream text;
    std::ostringstream error;
    const int code = app.exit(e, text, error);
    out.exit_now = true;
    if (code == 0) {
      out.message = text.str();
    } else {
      out.exit_code = 2;
      out.message = "sse-gateway: " + error.str();
    }
    return out;
  }
  // Before the variables are read: the file shows the defaults, whatever the environment of
  // the build that writes it.
  if (print_env_file->count() > 0) {
    out.exit_now = true;
    out.message = env_file_text(defaults);
    return out;
  }

  for (std::size_t i = 0; i < table.size(); ++i) {
    const setting& s = table[i];
    std::string source;
    std::string value;
    if (opts[i]->count() > 0) {
      source = "--" + s.name;
      value = s.is_switch ? "true" : raw[i];
    } else if (const char* v = getenv(s.env.c_str()); v != nullptr && *v != '\0') {
      source = s.env;
      value = v;
    } else {
      continue;
    }
    if (!s.apply(value, out.cfg)) {
      fail(out, invalid(source, value, s));
      return out;
    }
  }

  // The server's own defaults must be within the caps it applies to clients.
  if (out.cfg.buffer_limit > out.cfg.max_buffer_limit) {
    fail(out, "--buffer-limit " + std::to_string(out.cfg.buffer_limit) +
                  " is above --max-buffer-limit " + std::to_string(out.cfg.max_buffer_limit));
    return out;
  }
  if (out.cfg.ttl > out.cfg.max_ttl) {
    fail(out, "--ttl " + format_duration(out.cfg.ttl) + " is above --max-ttl " +
                  format_duration(out.cfg.max_ttl));
    return out;
  }

  if (migrate->parsed()) {
    out.subcommand = "migrate";
    struct migrate_override {
      std::string_view name;
      const CLI::Option* opt;
      const std::string* value;
    };
    const std::array<migrate_override, 2> overrides{{
        {"store", migrate_store_opt, &migrate_store},
        {"redis-prefix", migrate_prefix_opt, &migrate_prefix},
    }};
    for (const auto& o : overrides) {
      if (o.opt->count() == 0) {
        continue;
      }
      const setting& s = find_setting(o.name);
      if (!s.apply(*o.value, out.cfg)) {
        fail(out, invalid("migrate --" + s.name, *o.value, s));
        return out;
      }
    }
    if (!is_redis_store(out.cfg.store)) {
      fail(out,
           "migrate: --store must be a Redis URL (redis://, redis-cluster:// or "
           "redis-sentinel://); the memory store has no legacy layout");
      return out;
    }
  }

  if (out.cfg.node_id.empty()) {
    out.cfg.node_id = node_id_default();
  }
  return out;
}

}  // namespace sse::config
