#include "common/status.h"

#include <gtest/gtest.h>

namespace churnml {
namespace {

Result<int> Half(int v) {
  if (v % 2 != 0) return InvalidArgumentError("value " + std::to_string(v) + " is odd");
  return v / 2;
}

Result<int> Quarter(int v) {
  CHURNML_ASSIGN_OR_RETURN(int half, Half(v));
  CHURNML_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status CheckEven(int v) {
  CHURNML_RETURN_IF_ERROR(Half(v));
  return Status::Ok();
}

TEST(Status, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(Status, ToStringNamesCodeAndMessage) {
  EXPECT_EQ(NotFoundError("model \"x\"").ToString(), "NotFound: model \"x\"");
}

TEST(Status, WithContextPrefixesMessageAndKeepsCode) {
  Status s = IOError("disk full").WithContext("out.csv");
  EXPECT_EQ(s.code(), StatusCode::kIOError);
  EXPECT_EQ(s.message(), "out.csv: disk full");
}

TEST(Result, AssignOrReturnPropagatesFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "value 3 is odd");
}

TEST(Result, ReturnIfErrorAcceptsResult) {
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(5).code(), StatusCode::kInvalidArgument);
}

TEST(Result, ConstructingFromOkStatusIsAnInternalError) {
  Result<int> r(Status::Ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace churnml
