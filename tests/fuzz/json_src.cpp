// Boost.JSON compiled into the fuzz targets (header-only mode), so that the JSON parser is
// instrumented together with our code.
#include <boost/json/src.hpp>
