#include "server/evidence_vault.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "core/errors.hpp"
#include "server/durable_file.hpp"
#include "upload_builder.hpp"

namespace roadwarden::server {
namespace {

std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

class EvidenceVaultTest : public ::testing::Test {
 protected:
  /// Writes the upload's files into the vault and returns the record as the store keeps it.
  store::IngestedRecord store_upload(const testing::Upload& u) {
    store::IngestedRecord r;
    r.key = u.key;
    r.manifest = u.record_json();
    r.signature = crypto::sign(device_, r.manifest);
    for (const testing::UploadFile& f : u.files) {
      store::EvidenceFile row;
      row.name = f.name;
      row.media_type = f.media_type;
      row.size = static_cast<std::int64_t>(f.content.size());
      row.sha256 = crypto::sha256_hex(f.content);
      row.storage_path = vault_.write(u.key, f.name, bytes(f.content));
      r.files.push_back(row);
    }
    return r;
  }

  std::string read(const store::IngestedRecord& r, const std::string& name) {
    const auto b = vault_.read(r, name, device_.public_hex);
    return {b.begin(), b.end()};
  }

  testing::ScratchDir dir_;
  crypto::SigningKey device_ = crypto::generate_signing_key();
  EvidenceVault vault_{dir_.path() / "evidence", crypto::EvidenceKey{crypto::random_bytes(32)}};
};

TEST_F(EvidenceVaultTest, RoundTripsFilesEncryptedUnderTheShardedPath) {
  const testing::Upload u;
  const store::IngestedRecord r = store_upload(u);
  EXPECT_EQ(r.files[0].storage_path, "01/0123456789abcdef0123456789abcdef/frame.jpg.enc");
  EXPECT_EQ(read(r, "frame.jpg"), u.files[0].content);
  EXPECT_EQ(read(r, "plate.jpg"), u.files[1].content);
  // At rest the bytes are not the plaintext.
  const auto sealed = read_file_bytes(dir_.path() / "evidence" / r.files[0].storage_path);
  EXPECT_EQ(std::string(sealed.begin(), sealed.end()).find(std::string(100, 'f')),
            std::string::npos);
  // No temporary files are left behind.
  int entries = 0;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator(dir_.path() / "evidence" / "01" / u.key)) {
    ++entries;
  }
  EXPECT_EQ(entries, 2);
}

TEST_F(EvidenceVaultTest, FlippedByteInTheEncryptedFileIsCorrupt) {
  const store::IngestedRecord r = store_upload(testing::Upload{});
  const auto path = dir_.path() / "evidence" / r.files[0].storage_path;
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(100);
  char c = 0;
  f.read(&c, 1);
  c ^= 0x01;
  f.seekp(100);
  f.write(&c, 1);
  f.close();
  EXPECT_THROW((void)read(r, "frame.jpg"), Corrupt);
  EXPECT_EQ(read(r, "plate.jpg"), testing::Upload{}.files[1].content);  // the other is fine
}

TEST_F(EvidenceVaultTest, FileSwappedBetweenRecordsIsCorrupt) {
  testing::Upload a, b;
  b.key = "fedcba9876543210fedcba9876543210";
  b.files[0].content = std::string(3000, 'g');
  const store::IngestedRecord ra = store_upload(a);
  const store::IngestedRecord rb = store_upload(b);
  // Copy b's frame over a's: same name and size, but sealed for another record.
  std::filesystem::copy_file(dir_.path() / "evidence" / rb.files[0].storage_path,
                             dir_.path() / "evidence" / ra.files[0].storage_path,
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_THROW((void)read(ra, "frame.jpg"), Corrupt);
}

TEST_F(EvidenceVaultTest, FilesSwappedWithinARecordAreCorrupt) {
  testing::Upload u;
  u.files[1].content = std::string(3000, 'p');  // same size as frame.jpg
  const store::IngestedRecord r = store_upload(u);
  const auto root = dir_.path() / "evidence";
  std::filesystem::rename(root / r.files[0].storage_path, root / "tmp");
  std::filesystem::rename(root / r.files[1].storage_path, root / r.files[0].storage_path);
  std::filesystem::rename(root / "tmp", root / r.files[1].storage_path);
  EXPECT_THROW((void)read(r, "frame.jpg"), Corrupt);
  EXPECT_THROW((void)read(r, "plate.jpg"), Corrupt);
}

TEST_F(EvidenceVaultTest, EditedStoredHashOrManifestIsCorrupt) {
  const store::IngestedRecord original = store_upload(testing::Upload{});
  store::IngestedRecord r = original;
  r.files[0].sha256 = crypto::sha256_hex(std::string("something else"));
  EXPECT_THROW((void)read(r, "frame.jpg"), Corrupt);
  r = original;
  r.manifest[r.manifest.find("plate_read")] = 'P';  // manifest no longer matches its signature
  EXPECT_THROW((void)read(r, "frame.jpg"), Corrupt);
  r = original;
  EXPECT_THROW((void)vault_.read(r, "frame.jpg", crypto::generate_signing_key().public_hex),
               Corrupt);
}

TEST_F(EvidenceVaultTest, MissingFileOfAStoredRecordIsCorrupt) {
  const store::IngestedRecord r = store_upload(testing::Upload{});
  std::filesystem::remove(dir_.path() / "evidence" / r.files[0].storage_path);
  EXPECT_THROW((void)read(r, "frame.jpg"), Corrupt);
}

TEST_F(EvidenceVaultTest, RefusesTraversalAndUnknownNames) {
  const store::IngestedRecord r = store_upload(testing::Upload{});
  for (const char* name : {"../frame.jpg", "..", ".frame.jpg", "a/b", "/etc/passwd", ""}) {
    EXPECT_THROW((void)read(r, name), InvalidInput) << name;
    EXPECT_THROW((void)vault_.write(r.key, name, bytes("x")), InvalidInput) << name;
  }
  EXPECT_THROW((void)read(r, "clip.mp4"), InvalidInput);  // valid, but not one of the record's
  EXPECT_THROW((void)vault_.write("../../etc", "x.jpg", bytes("x")), InvalidInput);
  EXPECT_THROW((void)EvidenceVault::relative_path("0123456789ABCDEF0123456789ABCDEF", "a"),
               InvalidInput);
}

TEST_F(EvidenceVaultTest, RemoveRecordDeletesFilesAndEmptyFolders) {
  testing::Upload a, b;
  b.key = "01ffffffffffffffffffffffffffffff";  // same shard as a
  const store::IngestedRecord ra = store_upload(a);
  store_upload(b);
  vault_.remove_record(a.key);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "evidence" / "01" / a.key));
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "evidence" / "01" / b.key));
  vault_.remove_record(b.key);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "evidence" / "01"));
  EXPECT_NO_THROW(vault_.remove_record(b.key));  // already gone: fine
}

}  // namespace
}  // namespace roadwarden::server
