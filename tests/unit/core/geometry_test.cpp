#include "core/geometry.hpp"

#include <gtest/gtest.h>

namespace roadwarden {
namespace {

TEST(Geometry, IouOfIdenticalBoxesIsOne) {
  const Box b{10, 20, 30, 40};
  EXPECT_DOUBLE_EQ(iou(b, b), 1.0);
}

TEST(Geometry, IouOfDisjointBoxesIsZero) {
  EXPECT_DOUBLE_EQ(iou(Box{0, 0, 10, 10}, Box{20, 20, 5, 5}), 0.0);
}

TEST(Geometry, IouOfHalfOverlapMatchesHandComputation) {
  // Overlap 5x10 = 50, union 100 + 100 - 50 = 150.
  EXPECT_NEAR(iou(Box{0, 0, 10, 10}, Box{5, 0, 10, 10}), 50.0 / 150.0, 1e-12);
}

TEST(Geometry, IouWithEmptyBoxIsZero) {
  EXPECT_DOUBLE_EQ(iou(Box{0, 0, 0, 0}, Box{0, 0, 0, 0}), 0.0);
  EXPECT_DOUBLE_EQ((Box{0, 0, -3, 4}.area()), 0.0);
}

TEST(Geometry, QuadBoundingBoxCoversRotatedCorners) {
  const Quad q{{Point{10, 5}, Point{50, 15}, Point{45, 35}, Point{5, 25}}};
  const Box b = q.bounding_box();
  EXPECT_EQ(b, (Box{5, 5, 45, 30}));
}

TEST(Geometry, FromBoxIsClockwiseFromTopLeft) {
  const Quad q = Quad::from_box(Box{1, 2, 10, 4});
  EXPECT_EQ(q.corners[0], (Point{1, 2}));
  EXPECT_EQ(q.corners[1], (Point{11, 2}));
  EXPECT_EQ(q.corners[2], (Point{11, 6}));
  EXPECT_EQ(q.corners[3], (Point{1, 6}));
  EXPECT_DOUBLE_EQ(q.width(), 10);
  EXPECT_DOUBLE_EQ(q.height(), 4);
}

TEST(Geometry, OrderedSortsShuffledCornersToTlTrBrBl) {
  const Quad q = Quad::ordered({Point{11, 6}, Point{1, 2}, Point{1, 6}, Point{11, 2}});
  EXPECT_EQ(q, Quad::from_box(Box{1, 2, 10, 4}));
}

TEST(Geometry, OrderedHandlesSlightlyRotatedPlate) {
  // A plate rolled by ~10 degrees: the right side is lower.
  const Quad q = Quad::ordered({Point{100, 40}, Point{0, 0}, Point{98, 20}, Point{3, 20}});
  EXPECT_EQ(q.corners[0], (Point{0, 0}));
  EXPECT_EQ(q.corners[1], (Point{98, 20}));
  EXPECT_EQ(q.corners[2], (Point{100, 40}));
  EXPECT_EQ(q.corners[3], (Point{3, 20}));
}

}  // namespace
}  // namespace roadwarden
