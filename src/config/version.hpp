#pragma once
// Which build this is: the version of CMake's project(VERSION) in the top CMakeLists.txt (the
// one place it is written; the Debian package takes it from there too) and the git commit the
// build was configured from.

namespace sse::config {

/// The gateway's version, as printed by --version ("0.1.0").
const char* gateway_version() noexcept;

/// `git rev-parse --short HEAD` of the source tree when CMake last configured the build
/// ("a9eabbf"), or "unknown" for a tree outside git.
const char* gateway_commit() noexcept;

}  // namespace sse::config
