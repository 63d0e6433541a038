#include "serving/admin_routes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "serving/route_test_support.h"

namespace churnml::serving {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

using AdminRoutesTest = testing::RouteGroupTest;

TEST_F(AdminRoutesTest, WithoutAlertsOrFaultsThereAreNoRoutes) {
  AdminRoutes group(nullptr, nullptr);
  EXPECT_TRUE(group.Routes().empty());
}

TEST_F(AdminRoutesTest, FaultsAreReadAndSetAndBadFieldsAre422) {
  FaultInjector faults;
  AdminRoutes group(nullptr, &faults);
  for (const RouteSpec& r : group.Routes()) EXPECT_EQ(r.access, RouteAccess::kProtected);
  HttpResponse set = Call(group, "POST", "/admin/faults", R"({"delay_ms":2.5,"error_rate":0.25})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(json::parse(set.body), json::parse(R"({"delay_ms":2.5,"error_rate":0.25})"));
  EXPECT_EQ(faults.Get().error_rate, 0.25);
  EXPECT_EQ(faults.Get().delay, std::chrono::microseconds(2500));
  EXPECT_EQ(json::parse(Call(group, "GET", "/admin/faults").body)["error_rate"], 0.25);

  HttpResponse bad = Call(group, "POST", "/admin/faults", R"({"error_rate":2})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_THAT(bad.body, HasSubstr("error_rate"));
  EXPECT_EQ(Call(group, "POST", "/admin/faults", "[").status, 400);
  EXPECT_EQ(faults.Get().error_rate, 0.25);  // unchanged by the refused requests
}

}  // namespace
}  // namespace churnml::serving
