// The operator web console's static files (web/), embedded in the server binary at build
// time: web/embed_assets.cmake turns web/index.html and web/assets/* into a generated .cpp
// (build/web/web_assets.cpp) that defines web_assets(). Served by server/web_routes.cpp.
// docs/web-console.md describes the console.
#pragma once

#include <string_view>
#include <vector>

namespace roadwarden::server {

/// One embedded file of the web console. Every view points into static storage.
struct WebAsset {
  std::string_view path;          ///< URL path: "/" for index.html, else "/assets/<file>"
  std::string_view content_type;  ///< e.g. "text/javascript; charset=utf-8"
  std::string_view sha256;        ///< SHA-256 of `body`, 64 lower-case hex (the ETag)
  std::string_view body;          ///< the file's bytes, unchanged
};

/// Every embedded file, sorted by path. Defined by the generated web_assets.cpp; thread-safe
/// (built once, never changed).
[[nodiscard]] const std::vector<WebAsset>& web_assets();

}  // namespace roadwarden::server
