#include "edge/signal_feed.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/errors.hpp"
#include "core/unique_fd.hpp"

namespace roadwarden::edge {
namespace {

constexpr std::size_t kMaxLine = 4096;

/// Connects a TCP socket to host:port within timeout_ms; returns the fd or an error text.
int connect_to(const std::string& host, const std::string& port, int timeout_ms,
               std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    error = fmt::format("cannot resolve {}: {}", host, ::gai_strerror(rc));
    return -1;
  }
  int result = -1;
  for (addrinfo* a = found; a && result < 0; a = a->ai_next) {
    const int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) {
      error = std::strerror(errno);
      continue;
    }
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      error = std::strerror(errno);
      ::close(fd);
      continue;
    }
    pollfd p{fd, POLLOUT, 0};
    const int n = ::poll(&p, 1, timeout_ms);
    int so_error = 0;
    socklen_t len = sizeof so_error;
    if (n <= 0) {
      error = n == 0 ? fmt::format("no connection within {} ms", timeout_ms) : std::strerror(errno);
      ::close(fd);
      continue;
    }
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
    if (so_error != 0) {
      error = std::strerror(so_error);
      ::close(fd);
      continue;
    }
    result = fd;
  }
  ::freeaddrinfo(found);
  return result;
}

}  // namespace

SignalFeed::SignalFeed(SignalFeedOptions options) : options_(std::move(options)) {
  if (options_.replay.empty() == options_.feed.empty())
    throw InvalidInput("signal: exactly one of signal.replay and signal.feed must be given");
  if (!options_.replay.empty()) {
    for (const rules::PhaseChange& c : rules::load_phase_replay(options_.replay)) add(c);
    return;
  }
  const auto colon = options_.feed.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == options_.feed.size())
    throw InvalidInput(
        fmt::format("signal.feed: must be \"host:port\", got \"{}\"", options_.feed));
  host_ = options_.feed.substr(0, colon);
  port_ = options_.feed.substr(colon + 1);
  int port = 0;
  for (char ch : port_) {
    if (ch < '0' || ch > '9' || port > 65535) {
      port = 0;
      break;
    }
    port = port * 10 + (ch - '0');
  }
  if (port < 1 || port > 65535)
    throw InvalidInput(fmt::format("signal.feed: port must be 1..65535, got \"{}\"", port_));
  video::validate(options_.backoff);
  if (options_.connect_timeout_ms < 100 || options_.connect_timeout_ms > 60000)
    throw InvalidInput("signal.connect_timeout_ms: must be in 100..60000");
  if (options_.keep_ms < 60000 || options_.keep_ms > 86'400'000)
    throw InvalidInput("signal.keep_ms: must be in 60000..86400000");
}

SignalFeed::~SignalFeed() {
  stop();
}

void SignalFeed::start() {
  if (options_.feed.empty() || thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token st) { run(st); });
}

void SignalFeed::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

void SignalFeed::add(const rules::PhaseChange& change) {
  std::lock_guard lock(mutex_);
  auto it = timelines_.find(change.approach);
  if (it == timelines_.end())
    it = timelines_.emplace(change.approach, rules::PhaseTimeline(change.approach)).first;
  if (options_.feed.empty()) {
    it->second.add(change);  // a replay file: out-of-order lines are an error (its line named)
  } else {
    try {
      it->second.add(change);
    } catch (const InvalidInput& e) {
      // A live controller whose clock stepped back (or one bad future timestamp): keeping the
      // old history would refuse every later line for ever. Start this approach's history
      // afresh — its phase onsets are unknown until the next full cycle, so red-light
      // decisions are undecidable (logged) meanwhile, never guessed.
      spdlog::warn("signal feed: approach {}: {}; its history is restarted", change.approach,
                   e.what());
      ++restarts_;
      it->second = rules::PhaseTimeline(change.approach);
      it->second.add(change);
    }
  }
  ++lines_;
  // Every 256 lines, every approach's history is trimmed (not only the one this line is for:
  // with approaches reporting in a fixed order that would always be the same one).
  if (!options_.feed.empty() && lines_ % 256 == 0) {
    for (auto& [approach, timeline] : timelines_)
      timeline.drop_before(UtcTime{change.at.unix_ms - options_.keep_ms});
  }
}

rules::RedLightDecision SignalFeed::judge(
    const rules::RedLightRule& rule, const rules::TrackObservations& track,
    const std::optional<rules::VideoSignalObservations>& video) const {
  std::lock_guard lock(mutex_);
  const auto it = timelines_.find(rule.options().approach_id);
  if (it == timelines_.end())
    return rule.judge(track, rules::PhaseTimeline(rule.options().approach_id), video);
  return rule.judge(track, it->second, video);
}

SignalFeedStats SignalFeed::stats() const {
  return {lines_.load(), bad_lines_.load(), connects_.load(), disconnects_.load(),
          restarts_.load()};
}

std::string SignalFeed::describe() const {
  return options_.feed.empty() ? "replay " + options_.replay.string() : "feed " + options_.feed;
}

void SignalFeed::run(std::stop_token stop) {
  video::Backoff backoff(options_.backoff, 0);
  int attempt = 0;
  const auto pause = [&](std::int64_t ms) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!stop.stop_requested() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  };
  while (!stop.stop_requested()) {
    std::string error;
    UniqueFd fd(connect_to(host_, port_, options_.connect_timeout_ms, error));
    if (fd.get() < 0) {
      ++disconnects_;
      ++attempt;
      const std::int64_t delay = backoff.delay_ms(attempt);
      spdlog::warn("signal feed {}: {} (retry {} in {} ms; phases unknown meanwhile)",
                   options_.feed, error, attempt, delay);
      pause(delay);
      continue;
    }
    ++connects_;
    attempt = 0;
    spdlog::info("signal feed {}: connected", options_.feed);
    std::string buffer;
    std::size_t line_number = 0;
    bool skipping = false;  // inside an over-long line
    bool broken = false;    // a line could not be used: reconnect
    std::string why = "closed by the controller";
    while (!stop.stop_requested()) {
      pollfd p{fd.get(), POLLIN, 0};
      const int n = ::poll(&p, 1, 200);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        why = std::strerror(errno);
        break;
      }
      if (n == 0) continue;
      char chunk[4096];
      const ssize_t got = ::recv(fd.get(), chunk, sizeof chunk, 0);
      if (got < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
      if (got <= 0) {
        if (got < 0) why = std::strerror(errno);
        break;
      }
      for (ssize_t i = 0; i < got; ++i) {
        if (chunk[i] != '\n') {
          if (!skipping) buffer.push_back(chunk[i]);
          if (buffer.size() > kMaxLine) {
            skipping = true;
            buffer.clear();
          }
          continue;
        }
        ++line_number;
        if (skipping) {
          ++bad_lines_;
          why = fmt::format("signal feed line {}: longer than {} bytes", line_number, kMaxLine);
          broken = true;
          break;
        }
        try {
          if (auto change = rules::parse_phase_line(buffer, line_number)) add(*change);
        } catch (const std::exception& e) {
          // docs/signal-feed.md: the feed is not trusted past a line it could not parse.
          ++bad_lines_;
          why = e.what();
          broken = true;
          break;
        }
        buffer.clear();
      }
      if (broken) break;
    }
    if (stop.stop_requested()) break;
    ++disconnects_;
    ++attempt;
    const std::int64_t delay = backoff.delay_ms(attempt);
    spdlog::warn(
        "signal feed {}: connection lost: {} (reconnect in {} ms; phases unknown after "
        "each approach's feed_max_silence_ms)",
        options_.feed, why, delay);
    pause(delay);
  }
}

}  // namespace roadwarden::edge
