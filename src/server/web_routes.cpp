// The operator web console's static files (routes.hpp: register_web_routes). Each embedded
// file (server/web_assets.hpp) is one GET route of its own exact path, under the
// public-asset rule: the files hold no data, and a path that is not an embedded file stays
// an unknown path (401 to a stranger, as every other one).
#include <string>

#include "server/routes.hpp"
#include "server/web_assets.hpp"

namespace roadwarden::server {
namespace {

/// The console's policy: its own scripts, styles and images only (no inline script or style,
/// no other origin), evidence images from blob: URLs, no framing, no <base>, forms only to
/// this origin. docs/web-console.md, "Security headers".
constexpr const char* kConsolePolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// `path` with the regex metacharacters it can hold (only '.') escaped.
std::string exact_pattern(std::string_view path) {
  std::string out;
  for (const char c : path) {
    if (c == '.') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

void register_web_routes(Router& router) {
  for (const WebAsset& asset : web_assets()) {
    const std::string path(asset.path);
    std::string etag;  // "<sha256>", built once per file
    etag.append(1, '"').append(asset.sha256).append(1, '"');
    router.add("GET", exact_pattern(asset.path), path, AccessRule::static_asset(),
               [&asset, etag](const httplib::Request& req, httplib::Response& res, const Caller&) {
                 res.set_header("ETag", etag);
                 res.set_header("Cache-Control", "no-cache");
                 res.set_header("Content-Security-Policy", kConsolePolicy);
                 if (req.get_header_value("If-None-Match") == etag) {
                   res.status = 304;
                   return;
                 }
                 res.set_content(asset.body.data(), asset.body.size(),
                                 std::string(asset.content_type));
               });
  }
}

}  // namespace roadwarden::server
