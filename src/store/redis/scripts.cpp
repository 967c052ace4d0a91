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

}  // namespace

const redis::script& append_script() {
  static const redis::script& s = make(lua::append);
  return s;
}
const redis::script& end_script() {
  static const redis::script& s = make(lua::end);
  return s;
}
const redis::script& read_script() {
  static const redis::script& s = make(lua::read);
  return s;
}
const redis::script& info_script() {
  static const redis::script& s = make(lua::info);
  return s;
}
const redis::script& create_script() {
  static const redis::script& s = make(lua::create);
  return s;
}
const redis::script& remove_script() {
  static const redis::script& s = make(lua::remove);
  return s;
}
const redis::script& renew_script() {
  static const redis::script& s = make(lua::renew);
  return s;
}
const redis::script& migrate_script() {
  static const redis::script& s = make(lua::migrate);
  return s;
}

std::vector<const redis::script*> all_scripts() {
  return {&append_script(), &end_script(),    &read_script(),   &info_script(),
          &create_script(), &remove_script(), &renew_script(), &migrate_script()};
}

}  // namespace sse::store::redis_layout
