#include "core/util/admission_gate.h"

#include <gtest/gtest.h>

namespace evgen {
namespace {

TEST(AdmissionGateTest, RefusesPastTheLimitNamingItAndItsFlag) {
  AdmissionGate gate(2, "--max-heavy-calls");
  auto a = gate.Enter("Compare");
  auto b = gate.Enter("Sample");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(gate.in_use(), 2);
  auto c = gate.Enter("Compare");
  EXPECT_EQ(c.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(c.status().message(),
            "Compare: the server is busy with 2 heavy calls, its limit (--max-heavy-calls 2); retry later");
}

TEST(AdmissionGateTest, ReleasedTicketsFreeTheirPlace) {
  AdmissionGate gate(1, "--max-heavy-calls");
  {
    auto a = gate.Enter("x");
    ASSERT_TRUE(a.ok());
    EXPECT_FALSE(gate.Enter("y").ok());
  }
  EXPECT_EQ(gate.in_use(), 0);
  auto b = gate.Enter("y");
  ASSERT_TRUE(b.ok());
  AdmissionGate::Ticket moved = std::move(**b);
  b->reset();
  EXPECT_EQ(gate.in_use(), 1) << "moving a ticket keeps its place";
}

}  // namespace
}  // namespace evgen
