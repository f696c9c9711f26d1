// Process-wide glibc malloc settings for programs that handle video frames.
#pragma once

namespace roadwarden {

/// Tunes glibc malloc for frame-sized buffers, for the whole process. Call at the start of
/// main, before any thread starts (arenas that already exist stay).
///
/// - M_MMAP_THRESHOLD 32 MiB (glibc's maximum) and M_TRIM_THRESHOLD 256 MiB: decoded frames
///   (6 MB at 1080p, 25 MB at 4K), the detector's 640 x 640 float input (4.9 MB) and OpenCV
///   DNN's layer buffers come from the heap and are reused from one image to the next,
///   instead of being mapped and unmapped on every image (each new mapping is zero-filled
///   page by page). On this project's VM that cut the learned reader's median time on 20
///   1280 x 720 photos from 94.7 ms to 34.7 ms per image (`roadwarden bench`, 1 thread; see
///   README "Accuracy and speed").
/// - `arenas` > 0 sets M_ARENA_MAX: by default each thread gets its own arena and the frame
///   buffers it frees stay parked there; the camera agent uses one arena (kAgentMallocArenas),
///   so a stream's freed frames are reused by every thread (`build/bench/edge_bench soak
///   --compare-arenas`). 0 keeps glibc's default (8 per core).
///
/// With the environment variable ROADWARDEN_MALLOC_TUNING=off nothing is changed (glibc's
/// defaults; the baseline of the benchmarks that measure this). Returns false then, and where
/// mallopt is not available or refuses a value (the defaults then stay).
bool tune_malloc_for_frames(int arenas = 0);

/// The camera agent's arena count (see tune_malloc_for_frames).
inline constexpr int kAgentMallocArenas = 1;

}  // namespace roadwarden
