// Runs the plate reader over one input file (image or video), timing each image or frame.
#pragma once

#include <functional>

#include "alpr/alpr.hpp"
#include "codec/image_io.hpp"
#include "alpr/read_result.hpp"
#include "cli/inputs.hpp"

namespace roadwarden::cli {

/// Options of read_input().
struct RunOptions {
  /// For videos: read every N-th frame (>= 1).
  int every = 1;
  /// Limits applied to still images before decoding, and to every video frame.
  codec::ImageLimits limits;
};

/// Reads `input` with `reader` and passes each result to `emit`: one per still image, one
/// per selected video frame. An input that cannot be read (missing, not an image, corrupt,
/// undecodable frame) produces one result with `error` set. Returns true when every image
/// and frame of the input was read without error. roadwarden::Error is caught and reported
/// this way; anything else (a bug) propagates.
bool read_input(const alpr::Alpr& reader, const Input& input, const RunOptions& options,
                const std::function<void(alpr::ReadResult&&)>& emit);

}  // namespace roadwarden::cli
