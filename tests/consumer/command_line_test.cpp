#include "consumer/command_line.h"

#include <gtest/gtest.h>

namespace auditstream {
namespace {

TEST(CommandLine, NoArgumentsMeansHelp) { EXPECT_EQ(parseCommandLine({})->command, Command::kHelp); }

TEST(CommandLine, KnownCommands) {
  EXPECT_EQ(parseCommandLine({"--help"})->command, Command::kHelp);
  EXPECT_EQ(parseCommandLine({"-h"})->command, Command::kHelp);
  EXPECT_EQ(parseCommandLine({"--version"})->command, Command::kVersion);
}

TEST(CommandLine, UnknownCommandSaysWhatToDo) {
  const auto parsed = parseCommandLine({"serve"});
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.status().message(), "unknown command 'serve' (try --help)");
}

TEST(CommandLine, ExtraArgumentsAreRejected) {
  const auto parsed = parseCommandLine({"--version", "--verbose"});
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.status().message(), "'--version' takes no arguments, got '--verbose'");
}

TEST(CommandLine, RunTakesAConfigAndOptionallyAStageForCeilings) {
  const auto plain = parseCommandLine({"run", "--config", "a.yml"});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->configPath, "a.yml");
  EXPECT_EQ(plain->stage, PipelineStage::kDetect);
  EXPECT_EQ(parseCommandLine({"run", "--config", "a.yml", "--stage", "consume"})->stage, PipelineStage::kConsume);
  EXPECT_EQ(parseCommandLine({"run", "--config", "a.yml", "--stage", "parse"})->stage, PipelineStage::kParse);
  EXPECT_EQ(parseCommandLine({"run", "--config", "a.yml", "--stage", "detect"})->stage, PipelineStage::kDetect);
  const auto wrong = parseCommandLine({"run", "--config", "a.yml", "--stage", "match"});
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.status().message(), "run: --stage must be consume, parse or detect, not 'match'");
  EXPECT_FALSE(parseCommandLine({"run", "--config"}));
  EXPECT_FALSE(parseCommandLine({"run", "--config", "a.yml", "--threads", "2"}));
  EXPECT_FALSE(parseCommandLine({"run", "--stage", "parse"}));  // no config
}

TEST(CommandLine, RunLogsAsKeyValueLinesOrJsonObjects) {
  const auto plain = parseCommandLine({"run", "--config", "a.yml"});
  EXPECT_EQ(plain->logFormat, LogFormat::kKeyValue);
  EXPECT_EQ(plain->logLevel, LogLevel::kInfo);
  const auto json = parseCommandLine({"run", "--log-format", "json", "--config", "a.yml", "--log-level", "warn"});
  ASSERT_TRUE(json);
  EXPECT_EQ(json->logFormat, LogFormat::kJson);
  EXPECT_EQ(json->logLevel, LogLevel::kWarn);
  EXPECT_EQ(json->configPath, "a.yml");
  const auto wrong = parseCommandLine({"run", "--config", "a.yml", "--log-format", "xml"});
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.status().message(), "run: log format 'xml' must be one of kv, json");
}

TEST(CommandLine, VersionTextNamesEveryLibrary) {
  const std::string text = versionText();
  for (const char* library : {"auditstream ", "librdkafka ", "simdjson ", "hyperscan ", "libcurl "}) {
    EXPECT_NE(text.find(library), std::string::npos) << library << " missing from:\n" << text;
  }
}

}  // namespace
}  // namespace auditstream
