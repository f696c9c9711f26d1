#include "server/audit.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <iterator>
#include <memory>

#include "core/errors.hpp"
#include "store/store.hpp"

#include "upload_builder.hpp"

namespace roadwarden::server {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 1; i <= 3; ++i) {
      store::AuditEntry e;
      e.actor = "alice";
      e.role = "investigator";
      e.action = "search";
      e.target = "plate=01A123BC match=exact";
      e.purpose = "stolen vehicle report";
      e.case_number = "C-" + std::to_string(i);
      e.result_count = i;
      log_.append(e);
      clock_.advance(std::chrono::seconds(1));
    }
  }

  /// Runs SQL on the database file through a second, raw connection (an attacker with
  /// file access: the append-only triggers are dropped first).
  void tamper(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_path_.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const std::string all =
        "DROP TRIGGER IF EXISTS audit_log_no_update;"
        "DROP TRIGGER IF EXISTS audit_log_no_delete;" +
        sql;
    const int rc = sqlite3_exec(db, all.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }

  std::vector<AuditProblem> verify() const { return verify_audit(*store_, head_); }

  testing::ScratchDir dir_;
  testing::ManualClock clock_;
  std::filesystem::path db_path_ = dir_.path() / "roadwarden.db";
  std::filesystem::path head_ = dir_.path() / "audit.head";
  std::unique_ptr<store::Store> store_ = store::open_sqlite_store(db_path_);
  AuditLog log_{*store_, clock_, head_};
};

TEST_F(AuditLogTest, AppendStampsTheClockAndChainsEntries) {
  const auto entries = store_->audit_entries(0, 10);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].time.unix_ms, 1'790'000'000'000);
  EXPECT_EQ(entries[2].time.unix_ms, 1'790'000'002'000);
  EXPECT_EQ(entries[0].prev_hash, std::string(64, '0'));
  EXPECT_EQ(entries[1].prev_hash, entries[0].hash);
  EXPECT_EQ(entries[2].outcome, "ok");
  EXPECT_TRUE(verify().empty());
}

TEST_F(AuditLogTest, HeadFileNamesTheLastEntry) {
  std::ifstream in(head_);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("seq 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find(store_->audit_entries(2, 1).at(0).hash), std::string::npos);
}

TEST_F(AuditLogTest, EmptyLogWithoutHeadIsIntact) {
  testing::ScratchDir other;
  const auto store = store::open_sqlite_store(other.path() / "db");
  EXPECT_TRUE(verify_audit(*store, other.path() / "audit.head").empty());
}

TEST_F(AuditLogTest, DetectsAnEditedRow) {
  tamper("UPDATE audit_log SET case_number = 'C-999' WHERE seq = 2;");
  const auto problems = verify();
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].seq, 2);
  EXPECT_NE(problems[0].what.find("edited"), std::string::npos);
}

TEST_F(AuditLogTest, DetectsAnEditedRowWithRecomputedHash) {
  // The attacker recomputes the edited row's own hash: the next entry's prev_hash breaks.
  store::AuditEntry e = store_->audit_entries(1, 1).at(0);
  e.result_count = 0;
  const std::string hash = store::audit_entry_hash(e);
  tamper("UPDATE audit_log SET result_count = 0, hash = '" + hash + "' WHERE seq = 2;");
  const auto problems = verify();
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].seq, 3);
}

TEST_F(AuditLogTest, DetectsADeletedMiddleRow) {
  tamper("DELETE FROM audit_log WHERE seq = 2;");
  const auto problems = verify();
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0].seq, 3);
  EXPECT_NE(problems[0].what.find("missing"), std::string::npos);
}

TEST_F(AuditLogTest, DetectsADeletedLastRowThroughTheHeadFile) {
  tamper("DELETE FROM audit_log WHERE seq = 3;");
  const auto problems = verify();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].seq, 0);
  EXPECT_NE(problems[0].what.find("newest entries 3 to 3 are missing"), std::string::npos)
      << problems[0].what;
}

TEST_F(AuditLogTest, DetectsAMissingHeadFile) {
  std::filesystem::remove(head_);
  const auto problems = verify();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].what.find("head file is missing"), std::string::npos);
}

TEST_F(AuditLogTest, DetectsEverythingDeleted) {
  tamper("DELETE FROM audit_log;");
  const auto problems = verify();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].what.find("empty"), std::string::npos);
}

TEST_F(AuditLogTest, TruncationWithARewrittenHeadFileIsCaughtOnlyByAnOutsideAnchor) {
  // An attacker with write access to DATA_DIR deletes the newest entry and rewrites the head
  // file to the entry before: the chain and the head agree again.
  const store::AuditEntry last = store_->audit_entries(2, 1).at(0);
  const store::AuditEntry second = store_->audit_entries(1, 1).at(0);
  tamper("DELETE FROM audit_log WHERE seq = 3;");
  std::string head_text;
  {
    std::ifstream in(head_);
    head_text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  head_text.replace(head_text.find("seq 3"), 5, "seq 2");
  head_text.replace(head_text.find(last.hash), 64, second.hash);
  std::ofstream(head_, std::ios::trunc) << head_text;
  ASSERT_TRUE(verify().empty());  // what the data directory alone can tell
  const auto problems = verify_audit(*store_, head_, {AuditAnchor{3, last.hash}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].seq, 3);
  EXPECT_NE(problems[0].what.find("truncated"), std::string::npos) << problems[0].what;
}

TEST_F(AuditLogTest, AnchorNamesARewrittenEntry) {
  const AuditAnchor anchor{3, store_->audit_entries(2, 1).at(0).hash};
  tamper("UPDATE audit_log SET hash = '" + std::string(64, 'a') + "' WHERE seq = 3;");
  bool named = false;
  for (const AuditProblem& p : verify_audit(*store_, head_, {anchor}))
    named = named || (p.seq == 3 && p.what.find("rewritten") != std::string::npos);
  EXPECT_TRUE(named);
  EXPECT_TRUE(verify_audit(*store_, head_, {}).size() >= 1u);
}

TEST_F(AuditLogTest, AnchorsParseAndRefuseMalformedText) {
  const std::string hash(64, 'b');
  const AuditAnchor a = parse_audit_anchor("12:" + hash);
  EXPECT_EQ(a.seq, 12);
  EXPECT_EQ(a.hash, hash);
  for (const std::string& bad : {std::string("12"), "0:" + hash, "x:" + hash, "12:" + hash + "0",
                                 "12:" + std::string(64, 'B'), std::string(":") + hash})
    EXPECT_THROW((void)parse_audit_anchor(bad), InvalidInput) << bad;
}

}  // namespace
}  // namespace roadwarden::server
