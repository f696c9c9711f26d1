#include "support/traffic_video.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "core/errors.hpp"

namespace roadwarden::testing {

namespace {

/// Lane width at the bottom edge of the frame, as a fraction of the frame width (the camera
/// looks along the road; the centre lane is centred). Road and scenes share it.
constexpr double kLaneWidth = 0.42;
/// Plate width / lane width at the same depth (0.52 m plate, ~3.5 m lane, with margin for
/// a camera zoomed on its lanes).
constexpr double kPlatePerLane = 0.17;

void require(bool ok, const std::string& what) {
  if (!ok) throw InvalidInput("traffic clip: " + what);
}

std::string normalise(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c != ' ' && c != '\n') out.push_back(c);
  }
  return out;
}

/// Where a vehicle is on one frame.
struct Placement {
  bool exists = false;
  double plate_height = 0;
  cv::Rect plate;     // the pasted plate, integer pixels
  cv::Rect2d body;    // the body rectangle
  cv::Point2d speed;  // plate centre motion, pixels per frame
};

Placement place(const VehicleSpec& v, int frame) {
  Placement p;
  const int t = frame - v.first_frame;
  if (t < 0 || t >= v.frames) return p;
  p.exists = true;
  const double h = v.plate_height * std::pow(v.growth, t);
  const double w = h * v.style.width / v.style.height;
  const cv::Point2d c = v.start + v.velocity * t;
  const int pw = std::max(2, static_cast<int>(std::lround(w)));
  const int ph = std::max(2, static_cast<int>(std::lround(h)));
  p.plate_height = h;
  p.plate = cv::Rect(static_cast<int>(std::lround(c.x - pw / 2.0)),
                     static_cast<int>(std::lround(c.y - ph / 2.0)), pw, ph);
  // A car seen from behind or the front is ~3.4 plate widths wide; the plate sits low.
  const double bw = w * 3.4, bh = w * 2.3;
  p.body = cv::Rect2d(c.x - bw / 2, c.y - 0.78 * bh, bw, bh);
  // Motion of the plate centre at this frame (blur direction and length).
  const cv::Point2d next = v.start + v.velocity * (t + 1);
  p.speed = next - c;
  return p;
}

/// A normalised line kernel of `length` pixels along `direction` (for motion blur).
cv::Mat line_kernel(double length, cv::Point2d direction) {
  const int half = static_cast<int>(std::ceil(length / 2));
  const int size = 2 * half + 1;
  cv::Mat k = cv::Mat::zeros(size, size, CV_32F);
  const double n = std::hypot(direction.x, direction.y);
  const cv::Point2d d = n > 0 ? direction / n : cv::Point2d(1, 0);
  const int steps = std::max(2, static_cast<int>(std::ceil(length * 4)));
  for (int i = 0; i < steps; ++i) {
    const double s = (static_cast<double>(i) / (steps - 1) - 0.5) * length;
    const int x = std::clamp(static_cast<int>(std::lround(half + d.x * s)), 0, size - 1);
    const int y = std::clamp(static_cast<int>(std::lround(half + d.y * s)), 0, size - 1);
    k.at<float>(y, x) += 1.0f;
  }
  return k / cv::sum(k)[0];
}

/// Composites a premultiplied layer (CV_32FC3) with its alpha (CV_32F, [0, 1]) over `roi`.
void composite(cv::Mat roi, const cv::Mat& layer, const cv::Mat& alpha) {
  cv::Mat a3;
  cv::merge(std::vector<cv::Mat>{alpha, alpha, alpha}, a3);
  cv::Mat f;
  roi.convertTo(f, CV_32FC3);
  f = f.mul(cv::Scalar::all(1.0) - a3) + layer;
  f.convertTo(roi, CV_8UC3);
}

void blur_along(cv::Mat& layer, cv::Mat& alpha, double length, cv::Point2d direction) {
  if (length < 1.0) return;
  const cv::Mat k = line_kernel(length, direction);
  cv::filter2D(layer, layer, -1, k, {-1, -1}, 0, cv::BORDER_CONSTANT);
  cv::filter2D(alpha, alpha, -1, k, {-1, -1}, 0, cv::BORDER_CONSTANT);
}

void draw_vehicle(cv::Mat& frame, const VehicleSpec& v, const cv::Mat& plate_image,
                  const Placement& p, double shutter) {
  const double blur = std::hypot(p.speed.x, p.speed.y) * shutter;
  const int margin = static_cast<int>(std::ceil(blur)) + 2;
  const cv::Rect outer(static_cast<int>(std::floor(p.body.x)) - margin,
                       static_cast<int>(std::floor(p.body.y)) - margin,
                       static_cast<int>(std::ceil(p.body.width)) + 2 * margin + 1,
                       static_cast<int>(std::ceil(p.body.height)) + 2 * margin + 1);
  const cv::Rect region = outer & cv::Rect(0, 0, frame.cols, frame.rows);
  if (region.empty()) return;
  // Draw in the unclipped local frame of `outer` so blur near the border stays correct.
  cv::Mat layer(outer.size(), CV_8UC3, cv::Scalar::all(0));
  cv::Mat mask(outer.size(), CV_8UC1, cv::Scalar(0));
  const cv::Point2d o(outer.x, outer.y);
  const double bx = p.body.x - o.x, by = p.body.y - o.y, bw = p.body.width, bh = p.body.height;
  auto part = [&](double x0, double y0, double x1, double y1) {
    return cv::Rect(cv::Point(static_cast<int>(std::lround(bx + x0 * bw)),
                              static_cast<int>(std::lround(by + y0 * bh))),
                    cv::Point(static_cast<int>(std::lround(bx + x1 * bw)),
                              static_cast<int>(std::lround(by + y1 * bh))));
  };
  const cv::Scalar body = v.body_colour;
  cv::rectangle(layer, part(0, 0.06, 1, 1), body, cv::FILLED);
  cv::rectangle(layer, part(0.1, 0, 0.9, 0.08), body * 0.8, cv::FILLED);                   // roof
  cv::rectangle(layer, part(0.12, 0.08, 0.88, 0.40), cv::Scalar(75, 62, 50), cv::FILLED);  // glass
  cv::rectangle(layer, part(0.04, 0.48, 0.20, 0.60), cv::Scalar(40, 40, 190), cv::FILLED);
  cv::rectangle(layer, part(0.80, 0.48, 0.96, 0.60), cv::Scalar(40, 40, 190), cv::FILLED);
  cv::rectangle(layer, part(0, 0.88, 1, 1), cv::Scalar(38, 38, 38), cv::FILLED);  // bumper
  cv::rectangle(mask, part(0, 0.06, 1, 1), cv::Scalar(255), cv::FILLED);
  cv::rectangle(mask, part(0.1, 0, 0.9, 0.08), cv::Scalar(255), cv::FILLED);
  // The plate, resampled to its size on this frame.
  cv::Mat plate;
  cv::resize(plate_image, plate, p.plate.size(), 0, 0, cv::INTER_AREA);
  const cv::Rect local(p.plate.x - outer.x, p.plate.y - outer.y, p.plate.width, p.plate.height);
  const cv::Rect inside = local & cv::Rect(0, 0, layer.cols, layer.rows);
  if (!inside.empty()) {
    plate(cv::Rect(inside.x - local.x, inside.y - local.y, inside.width, inside.height))
        .copyTo(layer(inside));
    mask(inside).setTo(255);
  }
  cv::Mat lf, af;
  layer.convertTo(lf, CV_32FC3);
  mask.convertTo(af, CV_32F, 1.0 / 255);
  blur_along(lf, af, blur, p.speed);
  const cv::Rect crop(region.x - outer.x, region.y - outer.y, region.width, region.height);
  composite(frame(region), lf(crop), af(crop));
}

cv::Mat add_noise(const cv::Mat& frame, double sigma, std::uint64_t seed) {
  if (sigma <= 0) return frame;
  cv::RNG rng(seed);
  cv::Mat noise(frame.size(), CV_16SC3);
  rng.fill(noise, cv::RNG::NORMAL, cv::Scalar::all(0), cv::Scalar::all(sigma));
  cv::Mat wide;
  frame.convertTo(wide, CV_16SC3);
  wide += noise;
  cv::Mat out;
  wide.convertTo(out, CV_8UC3);
  return out;
}

std::string direction_of(double total_growth, double vx) {
  if (total_growth >= 1.2) return "approaching";
  if (total_growth <= 1 / 1.2) return "receding";
  return vx >= 0 ? "right" : "left";
}

void finish_truth(VehicleTruth& t) {
  for (const PlateInFrame& p : t.plates) {
    if (!p.visible) continue;
    if (t.first_visible < 0) t.first_visible = p.frame;
    t.last_visible = p.frame;
  }
}

cv::VideoWriter open_writer(const std::filesystem::path& mp4, double fps, cv::Size size) {
  cv::VideoWriter writer(mp4.string(), cv::VideoWriter::fourcc('m', 'p', '4', 'v'), fps, size,
                         true);
  if (!writer.isOpened()) {
    throw std::runtime_error("cannot open an mp4v video writer for " + mp4.string());
  }
  return writer;
}

}  // namespace

cv::Mat render_road(cv::Size size, int seed) {
  require(size.width >= 16 && size.height >= 16, "frame size must be at least 16×16");
  cv::RNG rng(static_cast<std::uint64_t>(seed) * 7919 + 17);
  const int w = size.width, h = size.height;
  const double horizon = 0.30 * h;
  const cv::Point2d vp(0.5 * w, horizon);
  cv::Mat img(size, CV_8UC3);
  // Sky: a vertical gradient above the horizon; verges: grey-green texture below it.
  for (int y = 0; y < h; ++y) {
    const double t = std::min(1.0, y / horizon);
    const cv::Scalar sky(225 - 40 * t, 205 - 30 * t, 185 - 30 * t);
    img.row(y).setTo(y < horizon ? sky : cv::Scalar(70, 105, 90));
  }
  cv::Mat texture(size, CV_16SC3);
  rng.fill(texture, cv::RNG::NORMAL, cv::Scalar::all(0), cv::Scalar::all(10));
  cv::GaussianBlur(texture, texture, {3, 3}, 0);
  const int sky_rows = static_cast<int>(horizon);
  texture.rowRange(0, sky_rows).setTo(cv::Scalar::all(0));
  // Road: a trapezoid from the vanishing point region to beyond the bottom corners.
  const auto at = [&](double bottom_x, double y) {  // a line from vp to (bottom_x, h)
    return cv::Point(
        static_cast<int>(std::lround(vp.x + (bottom_x - vp.x) * (y - horizon) / (h - horizon))),
        static_cast<int>(std::lround(y)));
  };
  const double left = -0.25 * w, right = 1.25 * w;
  std::vector<cv::Point> road{at(left, horizon + 1), at(right, horizon + 1), at(right, h),
                              at(left, h)};
  cv::fillConvexPoly(img, road, cv::Scalar(92, 94, 96), cv::LINE_AA);
  cv::Mat wide;  // asphalt and verge texture below the horizon
  img.convertTo(wide, CV_16SC3);
  wide += texture;
  wide.convertTo(img, CV_8UC3);
  // Edge lines (solid) and lane lines (dashed, dashes longer towards the camera).
  const double scale = h / 1080.0;
  for (double bx : {0.5 * w - 1.5 * kLaneWidth * w, 0.5 * w + 1.5 * kLaneWidth * w}) {
    cv::line(img, at(bx, horizon + 2), at(bx, h), cv::Scalar(225, 225, 225),
             std::max(1, static_cast<int>(8 * scale)), cv::LINE_AA);
  }
  for (double bx : {0.5 * w - 0.5 * kLaneWidth * w, 0.5 * w + 0.5 * kLaneWidth * w}) {
    const int dashes = 14;
    for (int i = 0; i < dashes; ++i) {
      const double y0 = horizon + (h - horizon) * std::pow(static_cast<double>(i) / dashes, 2);
      const double y1 =
          horizon + (h - horizon) * std::pow((static_cast<double>(i) + 0.5) / dashes, 2);
      const int thick = std::max(1, static_cast<int>(10 * scale * (y1 - horizon) / (h - horizon)));
      cv::line(img, at(bx, y0), at(bx, y1), cv::Scalar(215, 215, 215), thick, cv::LINE_AA);
    }
  }
  return img;
}

TrafficRenderer::TrafficRenderer(TrafficClipSpec spec) : spec_(std::move(spec)) {
  require(spec_.size.width >= 16 && spec_.size.height >= 16, "size must be at least 16×16");
  require(spec_.frames >= 1, "frames must be >= 1");
  require(spec_.fps > 0, "fps must be > 0");
  require(spec_.shutter >= 0 && spec_.shutter <= 1, "shutter must be in [0, 1]");
  require(spec_.noise_sigma >= 0, "noise_sigma must be >= 0");
  for (const VehicleSpec& v : spec_.vehicles) {
    require(!normalise(v.text).empty(), "vehicle text must not be empty");
    require(v.first_frame >= 0, "vehicle first_frame must be >= 0");
    require(v.frames >= 1, "vehicle frames must be >= 1");
    require(v.plate_height >= 2, "vehicle plate_height must be >= 2 pixels");
    require(v.growth > 0 && std::isfinite(v.growth), "vehicle growth must be > 0");
    require(v.style.width > 0 && v.style.height > 0, "vehicle style size must be positive");
    plates_.push_back(render_plate(v.text, v.style));
  }
  road_ = render_road(spec_.size, spec_.seed);

  truth_.size = spec_.size;
  truth_.frames = spec_.frames;
  truth_.fps = spec_.fps;
  const cv::Rect2d frame_rect(0, 0, spec_.size.width, spec_.size.height);
  const std::size_t n = spec_.vehicles.size();
  truth_.vehicles.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const VehicleSpec& v = spec_.vehicles[i];
    truth_.vehicles[i].text = normalise(v.text);
    truth_.vehicles[i].direction =
        direction_of(std::pow(v.growth, std::max(0, v.frames - 1)), v.velocity.x);
  }
  for (int f = 0; f < spec_.frames; ++f) {
    std::vector<Placement> at(n);
    for (std::size_t i = 0; i < n; ++i) at[i] = place(spec_.vehicles[i], f);
    for (std::size_t i = 0; i < n; ++i) {
      const Placement& p = at[i];
      if (!p.exists || (p.body & frame_rect).empty()) continue;
      PlateInFrame pf;
      pf.frame = f;
      pf.corners = Quad::from_box(
          Box{static_cast<double>(p.plate.x), static_cast<double>(p.plate.y),
              static_cast<double>(p.plate.width), static_cast<double>(p.plate.height)});
      pf.visible = p.plate.x >= 0 && p.plate.y >= 0 &&
                   p.plate.x + p.plate.width <= spec_.size.width &&
                   p.plate.y + p.plate.height <= spec_.size.height;
      // Nearer vehicles (larger plates; equal: later in the list) are drawn on top.
      for (std::size_t j = 0; j < n && pf.visible; ++j) {
        if (j == i || !at[j].exists) continue;
        const bool nearer =
            at[j].plate_height > p.plate_height || (at[j].plate_height == p.plate_height && j > i);
        if (nearer && !(at[j].body & cv::Rect2d(p.plate)).empty()) pf.visible = false;
      }
      truth_.vehicles[i].plates.push_back(pf);
    }
  }
  for (VehicleTruth& t : truth_.vehicles) finish_truth(t);
}

cv::Mat TrafficRenderer::frame(int index) const {
  require(index >= 0 && index < spec_.frames, "frame index out of range");
  cv::Mat img = road_.clone();
  const std::size_t n = spec_.vehicles.size();
  std::vector<Placement> at(n);
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < n; ++i) {
    at[i] = place(spec_.vehicles[i], index);
    if (at[i].exists) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return at[a].plate_height < at[b].plate_height;
  });
  for (std::size_t i : order)
    draw_vehicle(img, spec_.vehicles[i], plates_[i], at[i], spec_.shutter);
  return add_noise(
      img, spec_.noise_sigma,
      static_cast<std::uint64_t>(spec_.seed) * 1000003ULL + static_cast<std::uint64_t>(index));
}

TrafficClipSpec one_car_approaching_clip(int frames, int first_frame) {
  TrafficClipSpec spec;
  spec.size = {1280, 720};
  spec.frames = frames;
  spec.seed = 4;
  VehicleSpec car;
  car.text = "01 A 123 BC";
  car.first_frame = first_frame;
  car.frames = 60;
  car.start = {560, 330};
  car.velocity = {0.5, 3.0};
  car.plate_height = 38;
  car.growth = 1.007;
  spec.vehicles.push_back(car);
  return spec;
}

ClipTruth write_traffic_clip(const TrafficClipSpec& spec, const std::filesystem::path& mp4) {
  const TrafficRenderer renderer(spec);
  cv::VideoWriter writer = open_writer(mp4, spec.fps, spec.size);
  for (int f = 0; f < spec.frames; ++f) writer.write(renderer.frame(f));
  writer.release();
  return renderer.truth();
}

std::string random_plate_text(cv::RNG& rng) {
  static constexpr const char* kRegions[] = {"01", "10", "20", "25", "30", "40", "50",
                                             "60", "70", "75", "80", "85", "90", "95"};
  static constexpr std::string_view kLetters = "ABCDEFGHJKLMNPRSTUVXYZ";
  auto letters = [&](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) {
      s.push_back(
          kLetters[static_cast<std::size_t>(rng.uniform(0, static_cast<int>(kLetters.size())))]);
    }
    return s;
  };
  auto digits = [&](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + rng.uniform(0, 10)));
    return s;
  };
  const std::string region = kRegions[rng.uniform(0, 14)];
  switch (rng.uniform(0, 4)) {
    case 0:
      return region + " " + letters(1) + " " + digits(3) + " " + letters(2);  // uz private
    case 1:
      return region + " " + digits(3) + " " + letters(3);  // uz legal entity
    case 2:
      return letters(2) + " " + digits(3) + " " + letters(2);  // EU (FR-like)
    default:
      return letters(3) + " " + digits(4);  // BR (old)
  }
}

TrafficClipSpec random_traffic_scene(int seed, cv::Size size, int frames, int vehicles,
                                     double plate_zoom) {
  require(frames >= 10, "random scene needs at least 10 frames");
  require(plate_zoom > 0, "plate_zoom must be > 0");
  require(vehicles >= 0, "vehicles must be >= 0");
  cv::RNG rng(static_cast<std::uint64_t>(seed) * 104729 + 3);
  TrafficClipSpec spec;
  spec.size = size;
  spec.frames = frames;
  spec.seed = seed;
  const double w = size.width, h = size.height, horizon = 0.30 * h;
  // Lane centre x at depth y (lines through the vanishing point (w/2, horizon)).
  auto lane_x = [&](int lane, double y) {
    return 0.5 * w + (lane - 1) * kLaneWidth * w * (y - horizon) / (h - horizon);
  };
  // Plate height at depth y, consistent with the lane width there.
  const double aspect = PlateStyle{}.width / static_cast<double>(PlateStyle{}.height);
  auto plate_h = [&](double y) {
    return std::max(
        2.0, plate_zoom * kPlatePerLane * kLaneWidth * w * (y - horizon) / (h - horizon) / aspect);
  };
  static const cv::Scalar kColours[] = {{60, 50, 140},   {150, 150, 150}, {30, 30, 30},
                                        {200, 200, 205}, {120, 60, 20},   {40, 110, 40},
                                        {20, 140, 200}};
  for (int k = 0; k < vehicles; ++k) {
    VehicleSpec v;
    v.text = random_plate_text(rng);
    v.body_colour = kColours[rng.uniform(0, 7)];
    const int duration = std::min(frames, rng.uniform(50, 91));
    v.frames = duration;
    v.first_frame = rng.uniform(0, std::max(1, frames - duration * 3 / 4));
    const int lane = k % 3;
    const int kind = rng.uniform(0, 10);  // 0-5 approach, 6-7 recede, 8 lane change, 9 cross
    const double y_far = horizon + (0.16 + 0.04 * rng.uniform(0.0, 1.0)) * h, y_near = 0.98 * h;
    const double h_far = plate_h(y_far), h_near = plate_h(y_near);
    const double steps = std::max(1, duration - 1);
    if (kind <= 5 || kind == 8) {
      const int to_lane = kind == 8 ? (lane == 2 ? 1 : lane + 1) : lane;
      v.start = {lane_x(lane, y_far), y_far};
      const cv::Point2d end{lane_x(to_lane, y_near), y_near};
      v.velocity = (end - v.start) / steps;
      v.plate_height = h_far;
      v.growth = std::pow(h_near / h_far, 1.0 / steps);
    } else if (kind <= 7) {
      const double y0 = 0.85 * h, h0 = plate_h(y0);
      v.start = {lane_x(lane, y0), y0};
      const cv::Point2d end{lane_x(lane, y_far), y_far};
      v.velocity = (end - v.start) / steps;
      v.plate_height = h0;
      v.growth = std::pow(h_far / h0, 1.0 / steps);
    } else {
      const bool rightwards = rng.uniform(0, 2) == 0;
      const double y = (0.60 + 0.15 * rng.uniform(0.0, 1.0)) * h;
      v.start = {rightwards ? -0.2 * w : 1.2 * w, y};
      v.velocity = {(rightwards ? 1.4 : -1.4) * w / steps, 0};
      v.plate_height = plate_h(y);
    }
    spec.vehicles.push_back(std::move(v));
  }
  return spec;
}

std::vector<PhotoPlate> load_located_plates(const std::filesystem::path& plates_train) {
  const std::filesystem::path manifest = plates_train / "manifest.csv";
  std::ifstream in(manifest);
  if (!in) throw IoError("cannot read " + manifest.string());
  std::string line;
  std::getline(in, line);
  if (line.rfind("image,source,country,x1,y1,x2,y2,x3,y3,x4,y4,text", 0) != 0) {
    throw InvalidInput(manifest.string() + ": unexpected header: " + line);
  }
  std::vector<PhotoPlate> out;
  for (int number = 2; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) cells.push_back(cell);
    if (cells.size() == 11) cells.emplace_back();  // empty trailing text
    if (cells.size() != 12) {
      throw InvalidInput(manifest.string() + " line " + std::to_string(number) +
                         ": expected 12 columns");
    }
    const std::string& source = cells[1];
    const bool crop = source.size() >= 5 && source.compare(source.size() - 5, 5, "_crop") == 0;
    if (crop || cells[11].empty()) continue;
    PhotoPlate p;
    p.image = plates_train / cells[0];
    p.source = source;
    p.text = cells[11];
    try {
      for (int i = 0; i < 4; ++i) {
        p.corners.corners[static_cast<std::size_t>(i)] =
            Point{std::stod(cells[static_cast<std::size_t>(3 + 2 * i)]),
                  std::stod(cells[static_cast<std::size_t>(4 + 2 * i)])};
      }
    } catch (const std::exception&) {
      throw InvalidInput(manifest.string() + " line " + std::to_string(number) +
                         ": corners are not numbers");
    }
    out.push_back(std::move(p));
  }
  return out;
}

ClipTruth write_photo_clip(const PhotoClipSpec& spec, const std::filesystem::path& mp4) {
  require(spec.size.width >= 16 && spec.size.height >= 16, "size must be at least 16×16");
  require(spec.seconds > 0 && spec.fps > 0, "seconds and fps must be > 0");
  require(spec.start_plate_width > 0 && spec.end_plate_width > 0, "plate widths must be positive");
  require(spec.shutter >= 0 && spec.shutter <= 1, "shutter must be in [0, 1]");
  require(spec.jpeg_quality >= 10 && spec.jpeg_quality <= 100, "jpeg_quality must be 10..100");
  const cv::Mat photo = cv::imread(spec.plate.image.string(), cv::IMREAD_COLOR);
  if (photo.empty()) throw IoError("cannot read photo " + spec.plate.image.string());
  const Quad& q = spec.plate.corners;
  const double wp = q.width();
  require(wp >= 4, "the plate in " + spec.plate.image.string() + " is too small");
  cv::Point2d c(0, 0);
  for (const Point& p : q.corners) c += cv::Point2d(p.x, p.y) * 0.25;

  // The vehicle: a crop of the photo around the plate (the plate low in it), feathered edges.
  const cv::Rect want(static_cast<int>(c.x - 2.6 * wp), static_cast<int>(c.y - 2.4 * wp),
                      static_cast<int>(5.2 * wp), static_cast<int>(3.1 * wp));
  const cv::Rect crop = want & cv::Rect(0, 0, photo.cols, photo.rows);
  const cv::Mat vehicle = photo(crop);
  cv::Mat feather(crop.size(), CV_32F, cv::Scalar(0));
  const int edge = std::max(2, static_cast<int>(0.08 * std::min(crop.width, crop.height)));
  cv::rectangle(feather, cv::Rect(edge, edge, crop.width - 2 * edge, crop.height - 2 * edge),
                cv::Scalar(1), cv::FILLED);
  cv::GaussianBlur(feather, feather, {0, 0}, edge / 2.0);
  const cv::Point2d cc = c - cv::Point2d(crop.x, crop.y);  // plate centre in the crop

  const cv::Mat background = render_road(spec.size, spec.seed);
  const int n = std::max(1, static_cast<int>(std::lround(spec.seconds * spec.fps)));
  const double s0 = spec.start_plate_width / wp, s1 = spec.end_plate_width / wp;
  const cv::Point2d size(spec.size.width, spec.size.height);
  const cv::Point2d p0(spec.start_centre.x * size.x, spec.start_centre.y * size.y);
  const cv::Point2d p1(spec.end_centre.x * size.x, spec.end_centre.y * size.y);
  auto pose = [&](int f, double& s, cv::Point2d& p) {
    const double t = n > 1 ? static_cast<double>(f) / (n - 1) : 0.0;
    s = 1.0 / (1.0 / s0 + (1.0 / s1 - 1.0 / s0) * t);      // constant approach speed
    const double u = s1 != s0 ? (s - s0) / (s1 - s0) : t;  // image position follows scale
    p = p0 + (p1 - p0) * u;
  };

  ClipTruth truth;
  truth.size = spec.size;
  truth.frames = n;
  truth.fps = spec.fps;
  VehicleTruth vt;
  vt.text = normalise(spec.plate.text);
  vt.direction = s1 >= s0 * 1.2 ? "approaching" : (s1 <= s0 / 1.2 ? "receding" : "unknown");

  cv::VideoWriter writer = open_writer(mp4, spec.fps, spec.size);
  cv::Mat vehicle_f;
  vehicle.convertTo(vehicle_f, CV_32FC3);
  for (int f = 0; f < n; ++f) {
    double s = 0;
    cv::Point2d p;
    pose(f, s, p);
    double s_prev = s;
    cv::Point2d p_prev = p;
    if (f > 0) pose(f - 1, s_prev, p_prev);
    const cv::Matx23d m(s, 0, p.x - s * cc.x, 0, s, p.y - s * cc.y);
    // Downscaling: low-pass the source first so the warp does not alias.
    // (GaussianBlur into a fresh Mat: writing into a header of vehicle_f would blur the
    // source itself, cumulatively.)
    const cv::Mat& alpha_src = feather;
    cv::Mat src;
    if (s < 0.8) {
      cv::GaussianBlur(vehicle_f, src, {0, 0}, 0.45 / s);
    } else {
      src = vehicle_f;
    }
    cv::Mat premul;
    cv::Mat a3;
    cv::merge(std::vector<cv::Mat>{alpha_src, alpha_src, alpha_src}, a3);
    premul = src.mul(a3);
    cv::Mat layer, alpha;
    cv::warpAffine(premul, layer, m, spec.size, cv::INTER_LINEAR, cv::BORDER_CONSTANT);
    cv::warpAffine(alpha_src, alpha, m, spec.size, cv::INTER_LINEAR, cv::BORDER_CONSTANT);
    blur_along(layer, alpha, std::hypot(p.x - p_prev.x, p.y - p_prev.y) * spec.shutter, p - p_prev);
    cv::Mat frame = background.clone();
    composite(frame, layer, alpha);
    std::vector<std::uint8_t> jpeg;
    cv::imencode(".jpg", frame, jpeg, {cv::IMWRITE_JPEG_QUALITY, spec.jpeg_quality});
    frame = cv::imdecode(jpeg, cv::IMREAD_COLOR);
    writer.write(frame);

    PlateInFrame pf;
    pf.frame = f;
    pf.visible = true;
    for (std::size_t i = 0; i < 4; ++i) {
      const Point& a = q.corners[i];
      const Point b{m(0, 0) * (a.x - crop.x) + m(0, 2), m(1, 1) * (a.y - crop.y) + m(1, 2)};
      pf.corners.corners[i] = b;
      pf.visible =
          pf.visible && b.x >= 0 && b.y >= 0 && b.x <= spec.size.width && b.y <= spec.size.height;
    }
    vt.plates.push_back(pf);
  }
  writer.release();
  finish_truth(vt);
  truth.vehicles.push_back(std::move(vt));
  return truth;
}

nlohmann::json to_json(const ClipTruth& truth) {
  nlohmann::json vehicles = nlohmann::json::array();
  for (const VehicleTruth& v : truth.vehicles) {
    nlohmann::json plates = nlohmann::json::array();
    for (const PlateInFrame& p : v.plates) {
      nlohmann::json corners = nlohmann::json::array();
      for (const Point& c : p.corners.corners) corners.push_back({c.x, c.y});
      plates.push_back({{"frame", p.frame}, {"visible", p.visible}, {"corners", corners}});
    }
    vehicles.push_back({{"text", v.text},
                        {"first_visible", v.first_visible},
                        {"last_visible", v.last_visible},
                        {"direction", v.direction},
                        {"plates", plates}});
  }
  return {{"width", truth.size.width},
          {"height", truth.size.height},
          {"frames", truth.frames},
          {"fps", truth.fps},
          {"vehicles", vehicles}};
}

}  // namespace roadwarden::testing
