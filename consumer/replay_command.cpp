#include "consumer/replay_command.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "common/blocking_queue.h"
#include "config/rule_pack.h"
#include "engine/correlation_shards.h"
#include "engine/event_processor.h"
#include "engine/json_document_splitter.h"

namespace auditstream {
namespace {

constexpr std::size_t kBatchMessages = 1024;
constexpr std::size_t kProgressMinBytes = 8U << 20U;
constexpr std::size_t kRecentAlertIds = 1U << 20U;  // de-duplication memory for stages of one request

struct Batch {
  std::size_t sequence = 0;
  std::vector<std::string> messages;
};

struct BatchResult {
  std::vector<Alert> alerts;
  std::vector<Signal> signals;
  std::optional<EventTime> latestEventTime;
};

// Writes alerts in input order whatever the thread count, folding repeats of an alert id (the
// stages of one request yield the same alert) so the output is deterministic.
// Correlations run behind this writer, on the batches in input order and sharded by group key over
// `shards` threads, so their alerts do not depend on the thread count.
class OrderedAlertWriter {
 public:
  OrderedAlertWriter(std::FILE* out, std::shared_ptr<const CorrelationSet> correlations, std::size_t shards)
      : out_(out) {
    if (correlations && correlations->size() > 0) {
      shards_ = std::make_unique<CorrelationShards>(std::move(correlations), CorrelationOptions{}, shards,
                                                    [this](std::vector<Alert>&& alerts) {
                                                      for (const Alert& alert : alerts) write(alert);
                                                    });
    }
  }

  void complete(std::size_t sequence, BatchResult result) {
    std::lock_guard lock(mutex_);
    pending_.emplace(sequence, std::move(result));
    for (auto next = pending_.find(next_); next != pending_.end(); next = pending_.find(next_)) {
      BatchResult& batch = next->second;
      if (shards_) {
        std::vector<std::pair<std::uint32_t, EventTime>> clocks;
        if (batch.latestEventTime) clocks.emplace_back(0, *batch.latestEventTime);
        shards_->submit(std::move(batch.alerts), std::move(clocks), std::move(batch.signals));
      } else {
        for (const Alert& alert : batch.alerts) write(alert);
      }
      pending_.erase(next);
      ++next_;
    }
  }

  // End of input: every open window is closed and its alerts written.
  void finish() {
    std::lock_guard lock(mutex_);
    if (shards_) shards_->finish();
  }
  std::optional<CorrelationCounters> correlationCounters() const {
    return shards_ ? std::optional<CorrelationCounters>(shards_->counters()) : std::nullopt;
  }

  std::uint64_t written() const { return written_; }
  std::uint64_t duplicates() const { return duplicates_; }
  const std::map<std::string, std::pair<std::uint64_t, std::string>>& byRule() const { return byRule_; }

 private:
  void write(const Alert& alert) {
    if (!seen_.insert(alert.id).second) {
      ++duplicates_;
      return;
    }
    if (seen_.size() > kRecentAlertIds) seen_.clear();
    const std::string line = alertToJson(alert) + "\n";
    std::fwrite(line.data(), 1, line.size(), out_);
    ++written_;
    auto& [count, title] = byRule_[alert.rule->id];
    ++count;
    title = alert.rule->title;
  }

  std::FILE* out_;
  std::mutex mutex_;
  std::map<std::size_t, BatchResult> pending_;
  std::unique_ptr<CorrelationShards> shards_;  // last: its threads call write() until finish()
  std::size_t next_ = 0;
  std::unordered_set<std::string> seen_;
  std::uint64_t written_ = 0;
  std::uint64_t duplicates_ = 0;
  std::map<std::string, std::pair<std::uint64_t, std::string>> byRule_;  // rule id → (alerts, title)
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

void printSummary(const ProcessCounters& counters, const OrderedAlertWriter& writer, double seconds, unsigned threads) {
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
               static_cast<unsigned long long>(writer.written()), static_cast<unsigned long long>(writer.duplicates()));
  std::vector<std::pair<std::uint64_t, std::string>> rows;
  for (const auto& [id, entry] : writer.byRule()) rows.emplace_back(entry.first, entry.second + " (" + id + ")");
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [count, label] : rows) {
    std::fprintf(stderr, "  %8llu  %s\n", static_cast<unsigned long long>(count), label.c_str());
  }
}

}  // namespace

int runReplay(const CommandLine& command, std::FILE* out) {
  RulePack pack = loadRulePack(command.ruleDirs);
  if (!pack.problems.empty()) {
    for (const Status& problem : pack.problems) std::fprintf(stderr, "%s\n", problem.message().c_str());
    std::fprintf(stderr, "replay: %zu problem(s) in the rules; nothing replayed\n", pack.problems.size());
    return 1;
  }
  std::size_t totalBytes = 0;
  for (const std::string& input : command.inputs) {
    std::error_code error;
    if (input != "-") totalBytes += static_cast<std::size_t>(std::filesystem::file_size(input, error));
  }
  const bool stdinOnly = command.inputs.size() == 1 && command.inputs[0] == "-";
  Progress progress(isatty(STDERR_FILENO) == 1 && (stdinOnly || totalBytes >= kProgressMinBytes),
                    stdinOnly ? 0 : totalBytes);

  const auto started = std::chrono::steady_clock::now();
  OrderedAlertWriter writer(out, pack.correlations, command.threads);
  BlockingQueue<Batch> queue(command.threads * 4);
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
  const MessageContext context{command.cluster, std::nullopt, std::nullopt};
  const auto work = [&](EventProcessor& processor, Batch batch) {
    BatchResult result;
    for (const std::string& message : batch.messages) {
      processor.process(message, context, result.alerts);
      if (const auto latest = processor.latestEventTime()) {
        result.latestEventTime = result.latestEventTime ? std::max(*result.latestEventTime, *latest) : *latest;
      }
    }
    result.signals = processor.takeSignals();
    writer.complete(batch.sequence, std::move(result));
  };
  std::vector<std::thread> workers;
  if (command.threads > 1) {
    for (auto& processor : processors) {
      workers.emplace_back([&, p = processor.get()] {
        while (std::optional<Batch> batch = queue.pop()) work(*p, std::move(*batch));
      });
    }
  }

  Batch batch;
  std::size_t bytesRead = 0;
  std::uint64_t messages = 0;
  const auto dispatch = [&] {
    if (batch.messages.empty()) return;
    Batch full = std::move(batch);
    batch = Batch{full.sequence + 1, {}};
    if (command.threads > 1) {
      queue.push(std::move(full));
    } else {
      work(*processors[0], std::move(full));
    }
  };
  const auto onDocument = [&](std::string_view document) {
    batch.messages.emplace_back(document);
    ++messages;
    if (batch.messages.size() >= kBatchMessages) dispatch();
  };
  int status = 0;
  std::vector<char> buffer(1U << 20U);
  for (const std::string& input : command.inputs) {
    std::FILE* file = input == "-" ? stdin : std::fopen(input.c_str(), "rb");
    if (file == nullptr) {
      std::fprintf(stderr, "replay: cannot open %s\n", input.c_str());
      status = 1;
      continue;
    }
    JsonDocumentSplitter splitter;
    for (std::size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), file)) > 0;) {
      splitter.feed({buffer.data(), n}, onDocument);
      bytesRead += n;
      progress.update(bytesRead, messages);
    }
    splitter.finish(onDocument);
    if (file != stdin) std::fclose(file);
  }
  dispatch();
  queue.close();
  for (std::thread& worker : workers) worker.join();
  writer.finish();
  progress.done();
  std::fflush(out);

  ProcessCounters total;
  for (const auto& processor : processors) addCounters(total, processor->counters());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!command.quiet) {
    printSummary(total, writer, seconds, command.threads);
    if (const std::optional<CorrelationCounters> counters = writer.correlationCounters()) {
      const CorrelationCounters& c = *counters;
      std::fprintf(stderr,
                   "replay: correlations: %llu signals, %llu fired, %llu suppressed, %llu duplicate stages, %llu late, "
                   "%llu evictions\n",
                   static_cast<unsigned long long>(c.signals), static_cast<unsigned long long>(c.fired),
                   static_cast<unsigned long long>(c.suppressed), static_cast<unsigned long long>(c.duplicates),
                   static_cast<unsigned long long>(c.late), static_cast<unsigned long long>(c.evictions));
    }
  }
  return status;
}

}  // namespace auditstream
