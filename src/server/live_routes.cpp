// Hotlists, camera health, the live event stream and the message-board feed (routes.hpp:
// register_live_routes; docs/server-api.md "Hotlists" and "Live streams";
// docs/message-board.md).
//
// Streams use httplib's chunked content provider: the handler subscribes to a hub
// (server/event_hub.hpp) and returns; httplib then calls the provider on the same worker
// thread until it ends the stream. The provider waits at most kPollSlice for events, so it
// notices the server stopping (httplib checks between calls) and the heartbeat time.
// The listener's settings need no per-route exception: "one request per connection" only
// closes the connection after the stream ends; the 10 s write timeout applies to each
// write, so a client that stops reading for 10 s is disconnected (its thread freed); the
// read timeout is over once the request was read.
#include <algorithm>
#include <chrono>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/errors.hpp"
#include "server/auth.hpp"
#include "server/live_feeds.hpp"
#include "server/routes.hpp"

namespace roadwarden::server {
namespace {

using nlohmann::json;
using store::Role;
using SteadyClock = std::chrono::steady_clock;

/// A comment line (SSE) or an empty line (board feed) at least this often, so proxies keep
/// the connection and a client that went away is noticed within one interval.
constexpr std::chrono::seconds kHeartbeat{15};
/// Longest wait for events in one provider call (server stop is noticed within it).
constexpr std::chrono::milliseconds kPollSlice{500};

void answer(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

json summary_json(const HotlistSummary& s) {
  json lists = json::object();
  for (const auto& [name, count] : s.lists) lists[name] = count;
  return {{"active", true},
          {"imported_at", to_iso8601(s.imported_at)},
          {"imported_by", s.imported_by},
          {"entries", s.entries},
          {"rejected_lines", s.rejected_lines},
          {"lists", std::move(lists)},
          {"dedup_window_seconds", HotlistService::kDedupWindowMs / 1000}};
}

void audit_stream_open(AuditLog& audit, const Caller& caller, const std::string& target) {
  store::AuditEntry entry;
  entry.actor = caller.actor();
  entry.role = caller.role();
  entry.action = "live_stream";
  entry.target = target;
  entry.purpose = "live monitoring";
  entry.outcome = "ok";
  audit.append(std::move(entry));
}

/// What a stream keeps between provider calls.
struct StreamState {
  std::unique_ptr<Subscription> subscription;
  Authenticator* auth = nullptr;
  std::string session_token_hash;  ///< a person's session ("" for a device)
  std::string device_serial;       ///< a board device ("" for a person)
  store::Store* store = nullptr;
  bool opened = false;
  SteadyClock::time_point next_heartbeat;

  /// Whether the caller may still read: the person's session is alive (not refreshed), or
  /// the board device is still enrolled and unrevoked.
  [[nodiscard]] bool caller_still_valid() const {
    if (!session_token_hash.empty())
      return auth->session_alive(session_token_hash, auth->clock().now());
    for (const store::Device& d : store->devices()) {
      if (d.serial == device_serial) return !d.revoked_at.has_value();
    }
    return false;
  }
};

template <typename Format>
bool stream_step(StreamState& st, const Format& format, const std::string& opening,
                 const std::string& heartbeat, const std::string& ended,
                 httplib::DataSink& sink);

/// The chunked content provider of one stream. `format` turns a batch into bytes;
/// `heartbeat` and `ended` are the stream's keep-alive and closing texts.
template <typename Format>
httplib::ContentProviderWithoutLength stream_provider(std::shared_ptr<StreamState> state,
                                                      Format format, std::string opening,
                                                      std::string heartbeat, std::string ended) {
  return [state = std::move(state), format = std::move(format), opening = std::move(opening),
          heartbeat = std::move(heartbeat),
          ended = std::move(ended)](std::size_t, httplib::DataSink& sink) -> bool {
    // httplib 0.11 runs this after the handler returned, outside its try/catch: an exception
    // escaping here (a store error in caller_still_valid, a failed allocation) would reach the
    // worker thread and terminate the server. It ends this stream instead.
    try {
      return stream_step(*state, format, opening, heartbeat, ended, sink);
    } catch (const std::exception& e) {
      spdlog::error("live stream ended by an error: {}", e.what());
      return false;
    }
  };
}

/// One call of a stream's content provider (stream_provider): the opening text, or the next
/// batch of events and the heartbeat when due. Returns false when the connection should close
/// at once (write failed), true otherwise (sink.done() marks a normal end).
template <typename Format>
bool stream_step(StreamState& st, const Format& format, const std::string& opening,
                 const std::string& heartbeat, const std::string& ended,
                 httplib::DataSink& sink) {
  StreamState* state = &st;
  {
    std::string out;
    if (!state->opened) {
      // Sent at once: the client knows the subscription exists (events from now on reach it).
      state->opened = true;
      state->next_heartbeat = SteadyClock::now() + kHeartbeat;
      out = opening;
    } else {
      const auto wait = std::min<SteadyClock::duration>(
          kPollSlice, std::max<SteadyClock::duration>(
                          SteadyClock::duration::zero(), state->next_heartbeat - SteadyClock::now()));
      Subscription::Batch batch =
          state->subscription->next(std::chrono::duration_cast<std::chrono::milliseconds>(wait));
      if (state->subscription->closed()) {
        sink.done();
        return true;
      }
      const bool beat = SteadyClock::now() >= state->next_heartbeat;
      if ((beat || !batch.events.empty() || batch.dropped > 0) && !state->caller_still_valid()) {
        // Logged out, expired, disabled or revoked: nothing more is delivered.
        if (!ended.empty()) sink.write(ended.data(), ended.size());
        sink.done();
        return true;
      }
      out = format(batch);
      if (beat) {
        out += heartbeat;
        state->next_heartbeat = SteadyClock::now() + kHeartbeat;
      }
    }
    // Never a zero-length write: httplib takes it as the end of the stream.
    if (!out.empty() && !sink.write(out.data(), out.size())) return false;
    return true;
  }
}

std::string sse_batch(const Subscription::Batch& batch) {
  std::string out;
  if (batch.dropped > 0)
    out += fmt::format("event: dropped\ndata: {}\n\n", json{{"count", batch.dropped}}.dump());
  for (const LiveEvent& e : batch.events) out += "event: " + e.name + "\ndata: " + e.data + "\n\n";
  return out;
}

std::string board_batch(const Subscription::Batch& batch) {
  // A board cannot show "you missed N": lost lines are simply not shown (counted in the hub).
  std::string out;
  for (const LiveEvent& e : batch.events) out += e.data;
  return out;
}

}  // namespace

void register_live_routes(Router& router, ServerContext& context, AuditLog& audit,
                          LiveFeeds& live) {
  Authenticator* auth = &router.auth();
  const AccessRule hotlist_managers = AccessRule::people({Role::supervisor, Role::admin});

  router.add("PUT", "/api/v1/hotlists", "/api/v1/hotlists", hotlist_managers,
             [&context, &audit, &live](const httplib::Request& req, httplib::Response& res,
                                       const Caller& caller) {
               store::AuditEntry entry;
               entry.actor = caller.actor();
               entry.role = caller.role();
               entry.action = "hotlist_import";
               HotlistImportOutcome outcome;
               try {
                 outcome = live.hotlists().import_csv(req.body, caller.actor(),
                                                      context.clock.now());
               } catch (const InvalidInput& e) {
                 entry.target = "refused: nothing imported";
                 entry.outcome = "refused";
                 audit.append(std::move(entry));
                 throw;
               }
               std::string lists;
               for (const auto& [name, count] : outcome.summary.lists)
                 lists += fmt::format("{}{}={}", lists.empty() ? "" : ",", name, count);
               entry.target = fmt::format("{} entries ({}), {} lines refused",
                                          outcome.summary.entries, lists,
                                          outcome.errors.size());
               entry.result_count = static_cast<std::int64_t>(outcome.summary.entries);
               entry.outcome = "ok";
               audit.append(std::move(entry));
               json errors = json::array();
               for (const rules::HotlistImportError& e : outcome.errors)
                 errors.push_back({{"line", e.line}, {"reason", e.reason}});
               json body = summary_json(outcome.summary);
               body["errors"] = std::move(errors);
               answer(res, 200, body);
             });

  router.add("GET", "/api/v1/hotlists", "/api/v1/hotlists", hotlist_managers,
             [&live](const httplib::Request&, httplib::Response& res, const Caller&) {
               const std::optional<HotlistSummary> s = live.hotlists().summary();
               answer(res, 200, s ? summary_json(*s) : json{{"active", false}});
             });

  router.add("GET", "/api/v1/cameras/health", "/api/v1/cameras/health",
             AccessRule::people({Role::reviewer, Role::supervisor, Role::admin}),
             [&context, &live](const httplib::Request&, httplib::Response& res, const Caller&) {
               const json rows =
                   live.camera_health().report(context.store.cameras(), context.clock.now());
               answer(res, 200,
                      {{"cameras", rows},
                       {"online_window_seconds", live.camera_health().online_window().count()}});
             });

  router.add("GET", "/api/v1/sites/rules", "/api/v1/sites/rules",
             AccessRule::people({Role::supervisor, Role::admin, Role::auditor}),
             [&context, &live](const httplib::Request&, httplib::Response& res, const Caller&) {
               answer(res, 200, {{"sites", live.site_rules().report(context.store.cameras())}});
             });

  router.add(
      "GET", "/api/v1/events", "/api/v1/events",
      AccessRule::people({Role::reviewer, Role::supervisor}),
      [&context, &audit, &live, auth](const httplib::Request&, httplib::Response& res,
                                      const Caller& caller) {
        auto state = std::make_shared<StreamState>();
        state->auth = auth;
        state->subscription = live.events().subscribe();
        if (!state->subscription)
          return answer(res, 503, {{"error", "too many event streams are open; try again later"}});
        state->session_token_hash = caller.session_token_hash;
        state->store = &context.store;
        audit_stream_open(audit, caller, "events");
        res.set_chunked_content_provider(
            "text/event-stream",
            stream_provider(state, sse_batch, ": roadwarden live events\n\n", ": heartbeat\n\n",
                            "event: end\ndata: {\"reason\":\"session ended\"}\n\n"),
            [state](bool) { state->subscription.reset(); });
      });

  router.add(
      "GET", "/api/v1/boards/feed", "/api/v1/boards/feed", AccessRule::board_or({Role::supervisor}),
      [&context, &audit, &live, auth](const httplib::Request&, httplib::Response& res,
                                      const Caller& caller) {
        auto state = std::make_shared<StreamState>();
        state->auth = auth;
        state->subscription = live.boards().subscribe();
        if (!state->subscription)
          return answer(res, 503, {{"error", "too many board feeds are open; try again later"}});
        state->session_token_hash = caller.session_token_hash;
        if (caller.device) state->device_serial = caller.device->serial;
        state->store = &context.store;
        audit_stream_open(audit, caller, "boards/feed");
        res.set_chunked_content_provider(
            "text/plain; charset=us-ascii", stream_provider(state, board_batch, "\n", "\n", ""),
            [state](bool) { state->subscription.reset(); });
      });
}

}  // namespace roadwarden::server
