#include "core/malloc_tuning.hpp"

#include <malloc.h>
#include <stdlib.h>

#include <cstdlib>
#include <cstring>

#include <gtest/gtest.h>

namespace roadwarden {
namespace {

TEST(MallocTuning, OffInTheEnvironmentChangesNothing) {
  ::setenv("ROADWARDEN_MALLOC_TUNING", "off", 1);
  EXPECT_FALSE(tune_malloc_for_frames(1));
  ::unsetenv("ROADWARDEN_MALLOC_TUNING");
}

TEST(MallocTuning, FrameSizedBuffersComeFromTheHeapAndAreReused) {
  ASSERT_TRUE(tune_malloc_for_frames());
  constexpr std::size_t k1080p = 1920 * 1080 * 3;
  constexpr std::size_t k4k = 3840 * 2160 * 3;
  for (const std::size_t size : {k1080p, k4k}) {
    const int mapped_before = ::mallinfo2().hblks;
    void* first = std::malloc(size);
    ASSERT_NE(first, nullptr);
    std::memset(first, 1, size);
    // Not a separate mapping (glibc's default maps anything over 128 KiB at first).
    EXPECT_EQ(::mallinfo2().hblks, mapped_before) << size;
    std::free(first);
    const std::size_t heap_after_free = ::mallinfo2().arena;
    void* second = std::malloc(size);
    ASSERT_NE(second, nullptr);
    // The freed memory is kept (not trimmed) and serves the next frame: the heap does not grow.
    EXPECT_EQ(::mallinfo2().arena, heap_after_free) << size;
    std::free(second);
  }
}

}  // namespace
}  // namespace roadwarden
