#include "store/redis/scripts.hpp"

#include <string>

#include "store/redis/lua_sources.hpp"  // generated from scripts/*.lua by CMakeLists.txt

namespace sse::store::redis_layout {
namespace {

// Function-local statics that are never destroyed: a connection still winding down after the
// store is gone may load them again.
const redis::script& make(std::string_view body) {
  return *new redis::script(std::string(lua::common) + "\n" + std::string(body));
}

// One immortal script per source.
template <const std::string_view& Body>
const redis::script& script_of() {
  static const redis::script& s = make(Body);
  return s;
}

}  // namespace

// A table, one script a line.
// clang-format off
const redis::script& append_script() { return script_of<lua::append>(); }
const redis::script& end_script() { return script_of<lua::end>(); }
const redis::script& read_script() { return script_of<lua::read>(); }
const redis::script& info_script() { return script_of<lua::info>(); }
const redis::script& create_script() { return script_of<lua::create>(); }
const redis::script& remove_script() { return script_of<lua::remove>(); }
const redis::script& renew_script() { return script_of<lua::renew>(); }
const redis::script& migrate_script() { return script_of<lua::migrate>(); }
// clang-format on

std::vector<const redis::script*> all_scripts() {
  return {&append_script(), &end_script(),    &read_script(),  &info_script(),
          &create_script(), &remove_script(), &renew_script(), &migrate_script()};
}

}  // namespace sse::store::redis_layout
