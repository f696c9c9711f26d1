#include "server/retention.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "server/evidence_vault.hpp"
#include "store/store.hpp"
#include "upload_builder.hpp"

namespace roadwarden::server {
namespace {

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_->put_site({"site-1", "Site", "UTC"});
    store_->put_camera({"cam-1", "site-1", "Camera 1", 41.3, 69.2, true});
    store::Device d;
    d.serial = "0a1b";
    d.camera_id = "cam-1";
    d.cert_sha256 = std::string(64, 'c');
    d.signing_public_key = device_.public_hex;
    d.issued_at = clock_.now();
    store_->add_device(d);
    context_.options.non_violation_retention = std::chrono::minutes(72 * 60);
    context_.options.violation_retention = std::chrono::hours(24 * 365);
    context_.options.rejected_violation_retention = std::chrono::minutes(72 * 60);
  }

  /// Stores an upload (files in the vault, row in the store) received now.
  store::IngestedRecord ingest(testing::Upload u) {
    store::IngestedRecord r;
    r.key = u.key;
    r.kind = u.kind;
    r.violation = u.violation;
    r.violation_kind = u.violation ? "red_light" : "";
    r.camera_id = "cam-1";
    r.device_serial = "0a1b";
    r.created_at = clock_.now();
    r.received_at = clock_.now();
    r.manifest = u.record_json();
    r.signature = crypto::sign(device_, r.manifest);
    r.content_sha256 = crypto::sha256_hex(r.manifest);
    r.plate_text = "01A123BC";
    r.read_at = clock_.now();
    for (const auto& f : u.files) {
      store::EvidenceFile row;
      row.name = f.name;
      row.media_type = f.media_type;
      row.size = static_cast<std::int64_t>(f.content.size());
      row.sha256 = crypto::sha256_hex(f.content);
      row.storage_path =
          vault_.write(u.key, f.name,
                       {reinterpret_cast<const std::uint8_t*>(f.content.data()), f.content.size()});
      r.files.push_back(row);
    }
    EXPECT_EQ(store_->ingest_record(r), store::IngestOutcome::stored);
    return r;
  }

  std::vector<store::AuditEntry> purges() const {
    std::vector<store::AuditEntry> out;
    for (const auto& e : store_->audit_entries(0, 1000)) {
      if (e.action == "purge") out.push_back(e);
    }
    return out;
  }

  testing::ScratchDir dir_;
  testing::ManualClock clock_;
  crypto::SigningKey device_ = crypto::generate_signing_key();
  std::unique_ptr<store::Store> store_ = store::open_sqlite_store(dir_.path() / "db");
  ServerContext context_{ServerOptions{}, DataDir{dir_.path()}, *store_, clock_,
                         crypto::EvidenceKey{crypto::random_bytes(32)}};
  EvidenceVault vault_{context_.data.evidence(), context_.evidence_key};
  AuditLog audit_{*store_, clock_, context_.data.audit_head()};
  RetentionWorker worker_{context_, audit_};
};

TEST_F(RetentionTest, PurgesExpiredReadsFromStoreAndDiskAndKeepsViolations) {
  testing::Upload read, violation;
  violation.key = "fedcba9876543210fedcba9876543210";
  violation.violation = true;
  ingest(read);
  ingest(violation);
  const auto read_folder = context_.data.evidence() / "01" / read.key;
  ASSERT_TRUE(std::filesystem::exists(read_folder));

  clock_.advance(std::chrono::hours(72) - std::chrono::milliseconds(1));
  EXPECT_EQ(worker_.run_once().records_purged, 0);  // not yet expired
  EXPECT_TRUE(store_->record_by_key(read.key));
  EXPECT_TRUE(purges().empty());  // no audit entry for an empty pass

  clock_.advance(std::chrono::milliseconds(2));
  const RetentionResult result = worker_.run_once();
  EXPECT_EQ(result.records_purged, 1);
  EXPECT_EQ(result.files_failed, 0);
  EXPECT_FALSE(store_->record_by_key(read.key));
  EXPECT_FALSE(std::filesystem::exists(read_folder));
  EXPECT_FALSE(std::filesystem::exists(context_.data.evidence() / "01"));  // emptied shard
  ASSERT_TRUE(store_->record_by_key(violation.key));
  EXPECT_TRUE(std::filesystem::exists(context_.data.evidence() / "fe" / violation.key));

  const auto entries = purges();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].actor, "system");
  EXPECT_EQ(entries[0].result_count, 1);
  EXPECT_TRUE(verify_audit(*store_, context_.data.audit_head()).empty());
}

TEST_F(RetentionTest, PurgedKeyStaysATombstoneFor30Days) {
  testing::Upload read;
  store::IngestedRecord r = ingest(read);
  clock_.advance(std::chrono::hours(73));
  EXPECT_EQ(worker_.run_once().records_purged, 1);
  // A late retry of the purged key is a duplicate, not a new record.
  r.id = 0;
  r.files.clear();
  EXPECT_EQ(store_->ingest_record(r), store::IngestOutcome::duplicate);
  EXPECT_FALSE(store_->record_by_key(read.key));
  // The next pass keeps the fresh tombstone. (Its expiry after 30 days is not tested here:
  // the SQLite store stamps tombstones with the system clock, not this fake clock.)
  EXPECT_EQ(worker_.run_once().tombstones_purged, 0);
  EXPECT_EQ(store_->ingest_record(r), store::IngestOutcome::duplicate);
}

TEST_F(RetentionTest, ViolationsArePurgedAfterTheirOwnPeriod) {
  testing::Upload violation;
  violation.violation = true;
  ingest(violation);
  clock_.advance(std::chrono::hours(24 * 365 + 1));
  EXPECT_EQ(worker_.run_once().records_purged, 1);
  EXPECT_FALSE(store_->record_by_key(violation.key));
}

TEST_F(RetentionTest, RejectedViolationGoesAfterItsPeriodFromRejectionWhileOthersStay) {
  testing::Upload rejected, confirmed, pending, rejected_later, awaiting;
  rejected.key = "10000000000000000000000000000000";
  confirmed.key = "20000000000000000000000000000000";
  pending.key = "30000000000000000000000000000000";
  rejected_later.key = "40000000000000000000000000000000";
  awaiting.key = "50000000000000000000000000000000";
  for (testing::Upload* u : {&rejected, &confirmed, &pending, &rejected_later, &awaiting}) {
    u->violation = true;
    ingest(*u);
  }
  // A first-stage review of a pending violation by "alice".
  const auto decide = [&](const std::string& key, store::ReviewStatus status,
                          const std::string& reason) {
    return store_->set_review(
        key, store::ReviewDecision{store::ReviewStatus::pending, status, store::ReviewStage::first,
                                   "alice", clock_.now(), reason});
  };
  clock_.advance(std::chrono::hours(1));
  ASSERT_EQ(decide(rejected.key, store::ReviewStatus::rejected, "plate unreadable"),
            store::ReviewOutcome::applied);
  ASSERT_EQ(decide(confirmed.key, store::ReviewStatus::confirmed, ""),
            store::ReviewOutcome::applied);
  // Awaiting its second review: kept like a pending violation.
  ASSERT_EQ(decide(awaiting.key, store::ReviewStatus::awaiting_second_review, ""),
            store::ReviewOutcome::applied);
  clock_.advance(std::chrono::hours(2));
  ASSERT_EQ(decide(rejected_later.key, store::ReviewStatus::rejected, "emergency vehicle"),
            store::ReviewOutcome::applied);

  // 73 h after the first rejection (71 h after the second): only the first goes.
  clock_.advance(std::chrono::hours(71));
  const RetentionResult result = worker_.run_once();
  EXPECT_EQ(result.records_purged, 1);
  EXPECT_EQ(result.files_failed, 0);
  EXPECT_FALSE(store_->record_by_key(rejected.key));
  EXPECT_FALSE(std::filesystem::exists(context_.data.evidence() / "10" / rejected.key));
  for (const auto& kept : {confirmed.key, pending.key, rejected_later.key, awaiting.key}) {
    EXPECT_TRUE(store_->record_by_key(kept)) << kept;
  }
  EXPECT_TRUE(std::filesystem::exists(context_.data.evidence() / "40" / rejected_later.key));

  const auto entries = purges();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].action, "purge");
  EXPECT_EQ(entries[0].result_count, 1);
  EXPECT_NE(entries[0].target.find("rejected before"), std::string::npos) << entries[0].target;
  EXPECT_TRUE(verify_audit(*store_, context_.data.audit_head()).empty());

  // Two hours on, the second rejection has expired as well; one more audited purge.
  clock_.advance(std::chrono::hours(2));
  EXPECT_EQ(worker_.run_once().records_purged, 1);
  EXPECT_FALSE(store_->record_by_key(rejected_later.key));
  EXPECT_TRUE(store_->record_by_key(confirmed.key));
  EXPECT_TRUE(store_->record_by_key(pending.key));
  EXPECT_EQ(purges().size(), 2u);
}

TEST_F(RetentionTest, BackgroundThreadRunsAPassAndStopsPromptly) {
  context_.options.purge_interval = std::chrono::hours(1);
  ingest(testing::Upload{});
  clock_.advance(std::chrono::hours(73));
  worker_.start();
  // The first pass runs at start; wait for it through the store, not a sleep.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (purges().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_EQ(purges().size(), 1u);
  const auto before = std::chrono::steady_clock::now();
  worker_.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(5));
  worker_.stop();  // idempotent
}

}  // namespace
}  // namespace roadwarden::server
