#include "consumer/replay_command.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include "common/clock.h"
#include "config/rule_pack.h"
#include "consumer/file_source.h"
#include "consumer/pipeline.h"
#include "engine/event_processor.h"
#include "sinks/alert_router.h"

namespace auditstream {
namespace {

constexpr std::size_t kProgressMinBytes = 8U << 20U;

// Replay's output stage: alerts as JSON lines on `out`, in the order the pipeline routes them (input order
// for any --threads), counted by rule for the summary. Synchronous; best-effort (nothing to commit).
class ReplayOutput final : public AlertSink {
 public:
  explicit ReplayOutput(std::FILE* out) : out_(out) {}
  std::string_view name() const override { return "replay"; }
  bool durable() const override { return false; }
  void submit(std::shared_ptr<const Alert> alert, AckCallback ack) override {
    const std::string line = alertToJson(*alert) + "\n";
    std::fwrite(line.data(), 1, line.size(), out_);
    ++written_;
    auto& [count, title] = byRule_[alert->rule->id];
    ++count;
    title = alert->rule->title;
    ack({});
  }
  bool flush(std::chrono::milliseconds /*timeout*/) override { return std::fflush(out_) == 0; }

  std::uint64_t written() const { return written_; }
  const std::map<std::string, std::pair<std::uint64_t, std::string>>& byRule() const { return byRule_; }

 private:
  std::FILE* out_;
  std::uint64_t written_ = 0;
  std::map<std::string, std::pair<std::uint64_t, std::string>> byRule_;  // rule id -> (alerts, title)
};

class Progress {
 public:
  Progress(bool enabled, std::size_t totalBytes) : enabled_(enabled), totalBytes_(totalBytes) {}

  void update(std::size_t bytesRead, std::uint64_t messages) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    if (totalBytes_ > 0) {
      std::fprintf(stderr, "\rreplay: %5.1f%% of %.0f MB, %llu messages, %.0f messages/s   ",
                   100.0 * static_cast<double>(bytesRead) / static_cast<double>(totalBytes_),
                   static_cast<double>(totalBytes_) / 1e6, static_cast<unsigned long long>(messages),
                   static_cast<double>(messages) / seconds);
    } else {
      std::fprintf(stderr, "\rreplay: %.0f MB, %llu messages, %.0f messages/s   ", static_cast<double>(bytesRead) / 1e6,
                   static_cast<unsigned long long>(messages), static_cast<double>(messages) / seconds);
    }
    shown_ = true;
  }
  void done() {
    if (shown_) std::fputc('\n', stderr);
  }

 private:
  bool enabled_;
  std::size_t totalBytes_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_ = start_;
};

void printSummary(const ProcessCounters& counters, const ReplayOutput& writer, std::uint64_t repeats, double seconds,
                  unsigned threads) {
  std::fprintf(stderr, "replay: %llu events from %llu messages in %.2f s (%.0f events/s, %u thread%s)\n",
               static_cast<unsigned long long>(counters.events), static_cast<unsigned long long>(counters.messages),
               seconds, seconds > 0 ? static_cast<double>(counters.events) / seconds : 0.0, threads,
               threads == 1 ? "" : "s");
  std::uint64_t rejected = 0;
  for (std::uint64_t count : counters.rejects) rejected += count;
  std::fprintf(stderr, "replay: %llu rejected", static_cast<unsigned long long>(rejected));
  for (std::size_t i = 0; i < counters.rejects.size(); ++i) {
    if (counters.rejects[i] > 0) {
      std::fprintf(stderr, "%s %s %llu", i == 0 ? ":" : ",",
                   std::string(rejectReasonName(static_cast<RejectReason>(i))).c_str(),
                   static_cast<unsigned long long>(counters.rejects[i]));
    }
  }
  std::fprintf(stderr, "\nreplay: %llu alerts (%llu repeats of an alert id folded)\n",
               static_cast<unsigned long long>(writer.written()), static_cast<unsigned long long>(repeats));
  std::vector<std::pair<std::uint64_t, std::string>> rows;
  for (const auto& [id, entry] : writer.byRule()) rows.emplace_back(entry.first, entry.second + " (" + id + ")");
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [count, label] : rows) {
    std::fprintf(stderr, "  %8llu  %s\n", static_cast<unsigned long long>(count), label.c_str());
  }
}

}  // namespace

// replay = Pipeline(FileSource, ReplayOutput): the service's workers, router and correlations on a
// finite input, applied in input order (PipelineOptions::inputOrder) so the output is the same for any
// --threads.
int runReplay(const CommandLine& command, std::FILE* out) {
  RulePack pack = loadRulePack(command.ruleDirs);
  if (!pack.problems.empty()) {
    for (const Status& problem : pack.problems) std::fprintf(stderr, "%s\n", problem.message().c_str());
    std::fprintf(stderr, "replay: %zu problem(s) in the rules; nothing replayed\n", pack.problems.size());
    return 1;
  }
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<EventProcessor>> processors;
  for (unsigned i = 0; i < command.threads; ++i) {
    Result<std::unique_ptr<EventProcessor>> processor =
        EventProcessor::create(pack.rules, EnvelopeOptions{}, pack.correlations);
    if (!processor) {
      std::fprintf(stderr, "replay: %s\n", processor.status().message().c_str());
      return 1;
    }
    processors.push_back(std::move(processor).value());
  }
  FileSource source(command.inputs, command.threads);
  const bool stdinOnly = command.inputs.size() == 1 && command.inputs[0] == "-";
  Progress progress(isatty(STDERR_FILENO) == 1 && (stdinOnly || source.totalBytes() >= kProgressMinBytes),
                    source.totalBytes());
  auto output = std::make_shared<ReplayOutput>(out);
  std::unique_ptr<AlertRouter> router = AlertRouter::create({output}, {}).value();
  PipelineOptions options;
  options.identity.order.clear();  // every alert is on --cluster
  options.identity.fallback = command.cluster;
  options.inputOrder = true;
  options.correlationShards = command.threads;
  options.queueMessages = std::size_t{16} * FileSource::kRun * command.threads;  // read ahead, bounded
  options.log = Logger::toStderr(LogFormat::kKeyValue, LogLevel::kInfo, "replay");
  options.logFlow = false;
  const SystemClock clock;
  std::uint64_t repeats = 0;
  ProcessCounters total;
  std::optional<CorrelationCounters> correlations;
  {
    Pipeline pipeline(source, *router, nullptr, std::move(processors), pack.correlations, options, clock);
    while (!pipeline.finished()) {
      pipeline.step();
      progress.update(source.bytesRead(), source.documents());
    }
    pipeline.stop();
    const PipelineTotals totals = pipeline.totals();
    total = totals.processing;
    if (pack.correlations && pack.correlations->size() > 0) correlations = totals.correlations;
    repeats = router->stats().repeats.load();
  }
  progress.done();
  std::fflush(out);

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!command.quiet) {
    printSummary(total, *output, repeats, seconds, command.threads);
    if (correlations) {
      const CorrelationCounters& c = *correlations;
      std::fprintf(stderr,
                   "replay: correlations: %llu signals, %llu fired, %llu suppressed, %llu duplicate stages, %llu late, "
                   "%llu evictions\n",
                   static_cast<unsigned long long>(c.signals), static_cast<unsigned long long>(c.fired),
                   static_cast<unsigned long long>(c.suppressed), static_cast<unsigned long long>(c.duplicates),
                   static_cast<unsigned long long>(c.late), static_cast<unsigned long long>(c.evictions));
    }
  }
  return source.unreadable() > 0 ? 1 : 0;
}

}  // namespace auditstream
