#include "core/malloc_tuning.hpp"

#include <cstdlib>
#include <string_view>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace roadwarden {

bool tune_malloc_for_frames(int arenas) {
  const char* env = std::getenv("ROADWARDEN_MALLOC_TUNING");
  if (env != nullptr && std::string_view(env) == "off") return false;
#if defined(__GLIBC__)
  constexpr int kMiB = 1024 * 1024;
  bool ok = mallopt(M_MMAP_THRESHOLD, 32 * kMiB) == 1;
  ok = mallopt(M_TRIM_THRESHOLD, 256 * kMiB) == 1 && ok;
  if (arenas > 0) ok = mallopt(M_ARENA_MAX, arenas) == 1 && ok;
  return ok;
#else
  (void)arenas;
  return false;
#endif
}

}  // namespace roadwarden
