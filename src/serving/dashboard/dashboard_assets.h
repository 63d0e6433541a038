// The dashboard's files (index.html, dashboard.js, dashboard.css,
// favicon.svg in this folder), embedded at build time by
// embed_assets.cmake. DashboardRoutes (serving/dashboard_routes.h) serves
// them.
#pragma once

#include <span>
#include <string_view>

namespace churnml::serving {

struct DashboardAsset {
  std::string_view name;   // the file name, e.g. "dashboard.js"
  std::string_view bytes;  // its content, as in the source tree
};

std::span<const DashboardAsset> DashboardAssets();

}  // namespace churnml::serving
