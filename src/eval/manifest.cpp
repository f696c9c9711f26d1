#include "eval/manifest.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "alpr/formats/plate_format.hpp"
#include "core/errors.hpp"

namespace roadwarden::eval {
namespace {

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

std::string basename(const std::string& p) { return std::filesystem::path(p).filename().string(); }

}  // namespace

std::vector<std::string> Manifest::images() const {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const TruthPlate& p : plates) {
    if (seen.insert(p.image).second) out.push_back(p.image);
  }
  return out;
}

Manifest load_manifest(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw IoError(fmt::format("{}: cannot open manifest", path.string()));
  Manifest m;
  m.root = path.parent_path();
  std::string line;
  if (!std::getline(in, line) ||
      split_csv(line) != std::vector<std::string>{"image", "source", "country", "x1", "y1",
                                                  "x2", "y2", "x3", "y3", "x4", "y4", "text"}) {
    throw InvalidInput(fmt::format(
        "{}:1: expected header image,source,country,x1,y1,x2,y2,x3,y3,x4,y4,text", path.string()));
  }
  int n = 1;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line == "\r") continue;
    const std::vector<std::string> f = split_csv(line);
    if (f.size() != 12) {
      throw InvalidInput(fmt::format("{}:{}: expected 12 fields, found {}", path.string(), n,
                                     f.size()));
    }
    TruthPlate p{f[0], f[1], f[2], {}, alpr::normalise_plate_text(f[11])};
    for (int i = 0; i < 4; ++i) {
      try {
        p.corners.corners[i].x = std::stod(f[3 + 2 * i]);
        p.corners.corners[i].y = std::stod(f[4 + 2 * i]);
      } catch (const std::exception&) {
        throw InvalidInput(fmt::format("{}:{}: corner {} is not a number", path.string(), n, i + 1));
      }
    }
    m.plates.push_back(std::move(p));
  }
  return m;
}

Score score(const Manifest& manifest, const std::vector<alpr::ReadResult>& predictions,
            double min_iou) {
  std::map<std::string, const alpr::ReadResult*> by_name;
  for (const alpr::ReadResult& r : predictions) by_name[basename(r.image)] = &r;
  std::map<std::string, std::vector<const TruthPlate*>> truth;
  for (const TruthPlate& p : manifest.plates) truth[basename(p.image)].push_back(&p);

  Score s;
  std::vector<double> times;
  for (const auto& [name, plates] : truth) {
    s.plates += static_cast<int>(plates.size());
    const auto it = by_name.find(name);
    if (it == by_name.end()) {
      ++s.images_without_output;
      continue;
    }
    const alpr::ReadResult& r = *it->second;
    times.push_back(r.processing_ms);
    std::vector<bool> used(r.plates.size(), false);
    for (const TruthPlate* t : plates) {
      const Box tb = t->corners.bounding_box();
      int best = -1;
      double best_iou = min_iou;
      for (std::size_t k = 0; k < r.plates.size(); ++k) {
        const double o = iou(r.plates[k].corners.bounding_box(), tb);
        if (!used[k] && o >= best_iou) {
          best = static_cast<int>(k);
          best_iou = o;
        }
      }
      if (best < 0) continue;
      used[static_cast<std::size_t>(best)] = true;
      ++s.detected;
      if (alpr::normalise_plate_text(r.plates[static_cast<std::size_t>(best)].text) == t->text) {
        ++s.read;
      }
    }
    s.unmatched_predictions += static_cast<int>(std::count(used.begin(), used.end(), false));
  }
  if (!times.empty()) {
    std::sort(times.begin(), times.end());
    const std::size_t n = times.size();
    s.ms_median = n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
  }
  return s;
}

}  // namespace roadwarden::eval
