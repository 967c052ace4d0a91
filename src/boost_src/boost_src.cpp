// Separate compilation of Asio and Beast: the definitions live here once instead of in every
// translation unit that includes them (BOOST_*_SEPARATE_COMPILATION is set project-wide).
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
