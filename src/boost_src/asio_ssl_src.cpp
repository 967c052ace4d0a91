// Separate compilation of Asio's SSL part (BOOST_ASIO_SEPARATE_COMPILATION is set project-wide):
// only the targets that speak TLS link it, so the rest never needs OpenSSL's libssl.
#include <boost/asio/ssl/impl/src.hpp>
