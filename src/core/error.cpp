#include "core/error.hpp"

#include <string>

namespace sse {
namespace {

class gateway_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "sse-gateway"; }
  std::string message(int ev) const override {
    return std::string(error_name(static_cast<errc>(ev)));
  }
};

}  // namespace

const boost::system::error_category& gateway_category() noexcept {
  static const gateway_category_impl instance;
  return instance;
}

std::string_view error_name(errc e) noexcept {
  switch (e) {
    case errc::ok: return "ok";
    case errc::stream_not_found: return "stream_not_found";
    case errc::stream_ended: return "stream_ended";
    case errc::producer_seq_conflict: return "producer_seq_conflict";
    case errc::store_unavailable: return "store_unavailable";
    case errc::invalid_stream_id: return "invalid_stream_id";
    case errc::invalid_event: return "invalid_event";
    case errc::invalid_argument: return "invalid_argument";
    case errc::too_large: return "too_large";
    case errc::bad_resume_point: return "bad_resume_point";
    case errc::internal: return "internal";
    case errc::outcome_unknown: return "outcome_unknown";
  }
  return "unknown";
}

}  // namespace sse
