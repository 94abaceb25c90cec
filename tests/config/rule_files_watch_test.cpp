// RuleFilesWatch: edits, new files and a ConfigMap-style symlink swap are changes; nothing else is.
#include "config/rule_files_watch.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

namespace auditstream {
namespace {

namespace fs = std::filesystem;

TEST(RuleFilesWatch, SeesEditsNewFilesAndAConfigMapSymlinkSwap) {
  const fs::path root = fs::temp_directory_path() / ("watch-" + std::to_string(::getpid()));
  fs::remove_all(root);
  // A ConfigMap volume: ..2026_1/rules.yml, ..data -> ..2026_1, rules.yml -> ..data/rules.yml.
  fs::create_directories(root / "..2026_1");
  std::ofstream(root / "..2026_1/rules.yml") << "title: one\n";
  fs::create_directory_symlink("..2026_1", root / "..data");
  fs::create_symlink("..data/rules.yml", root / "rules.yml");
  RuleFilesWatch watch({root.string()});
  EXPECT_FALSE(watch.changed());

  // The update: a new timestamped directory, then ..data swapped to it (atomically, by rename).
  fs::create_directories(root / "..2026_2");
  std::ofstream(root / "..2026_2/rules.yml") << "title: one\n";  // same size and text, another file
  fs::create_directory_symlink("..2026_2", root / "..data_tmp");
  fs::rename(root / "..data_tmp", root / "..data");
  EXPECT_TRUE(watch.changed());
  EXPECT_FALSE(watch.changed());  // reported once

  std::ofstream(root / "more.yaml") << "title: two\n";
  EXPECT_TRUE(watch.changed());
  std::ofstream(root / "notes.txt") << "not a rule file\n";
  EXPECT_FALSE(watch.changed());
  fs::remove(root / "more.yaml");
  EXPECT_TRUE(watch.changed());
  fs::remove_all(root);
}

TEST(RuleFilesWatch, ADirectorySymlinkLoopDoesNotHang) {
  const fs::path root = fs::temp_directory_path() / ("watch-loop-" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "a");
  fs::create_directory_symlink("..", root / "a" / "up");
  std::ofstream(root / "a/r.yml") << "title: x\n";
  RuleFilesWatch watch({root.string()});
  EXPECT_FALSE(watch.changed());
  fs::remove_all(root);
}

}  // namespace
}  // namespace auditstream
