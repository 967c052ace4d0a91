#pragma once
// The same requests over HTTP/1.1 and over h2c, answers made comparable: what tests/h2 uses to
// show that a route answers the same over both framings.

#include <string>
#include <vector>

namespace sse::test::h2 {

/// A JSON body with the fields that depend on the clock or the incarnation taken out; any
/// other body as it is, the epoch replaced.
std::string normalized(std::string body, const std::string& epoch);

/// The "epoch" field of a JSON body; empty when it has none.
std::string epoch_of(const std::string& json_body);

struct step {
  std::string method;
  std::string path;
  std::vector<std::string> extra;  // curl arguments: headers, body
  bool compare_body = true;
};

/// The same requests, in order, over one protocol ("METHOD PATH -> STATUS BODY" each); the
/// caller's last step should delete what the first created, so that the next run starts from
/// nothing. Fails the test when an answer comes over another protocol than asked.
std::vector<std::string> run_steps(const std::string& base, bool h2,
                                   const std::vector<step>& steps);

}  // namespace sse::test::h2
