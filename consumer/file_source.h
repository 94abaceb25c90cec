// FileSource: the Source of `replay` — JSON documents from files or stdin (JsonDocumentSplitter: JSON
// Lines, concatenated or pretty-printed documents), one InputMessage each, spread over `streams` streams in
// runs of kRun documents (run r goes to stream r % streams) so that the pipeline's workers parse in
// parallel; offsets count documents within a stream. Its streams are not Kafka partitions: alerts carry
// no provenance and every stream feeds one correlation clock (StreamName::positional is false), so what
// the pipeline makes of a file does not depend on the stream count. Commits are no-ops; exhausted() once
// every input has been read. Reads on the polling thread, 1 MiB at a time.
#pragma once

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "consumer/source.h"
#include "engine/json_document_splitter.h"

namespace auditstream {

class FileSource final : public Source {
 public:
  static constexpr std::size_t kRun = 1024;

  // `inputs`: paths, "-" for stdin.
  FileSource(std::vector<std::string> inputs, unsigned streams);
  ~FileSource() override;

  void setListener(SourceListener* listener) override { listener_ = listener; }
  void poll(std::vector<InputMessage>& out, std::size_t max, std::chrono::milliseconds timeout) override;
  void wake() override;
  bool exhausted() const override { return exhausted_ && ready_.empty(); }
  Status commit(std::span<const StreamPosition> /*positions*/, bool /*synchronous*/) override { return Status::ok(); }
  bool pause(bool paused) override {
    paused_ = paused;
    return true;
  }
  SourceStatus status() const override;
  void close() override;

  std::size_t bytesRead() const { return bytesRead_; }
  std::size_t totalBytes() const { return totalBytes_; }  // 0 when unknown (stdin)
  std::uint64_t documents() const { return documents_; }
  // Inputs that could not be opened (each said on stderr).
  std::size_t unreadable() const { return unreadable_; }

 private:
  bool openNext();
  void readChunk();
  void add(std::string_view document);

  std::vector<std::string> inputs_;
  std::size_t nextInput_ = 0;
  std::FILE* file_ = nullptr;
  JsonDocumentSplitter splitter_;
  std::vector<char> buffer_ = std::vector<char>(std::size_t{1} << 20U);
  std::deque<StreamName> streams_;
  std::vector<std::int64_t> nextOffset_;
  std::deque<InputMessage> ready_;
  SourceListener* listener_ = nullptr;
  bool announced_ = false;
  bool paused_ = false;  // back-pressure: nothing is read meanwhile
  // poll() waits here (up to its timeout) when it has nothing to give; wake() ends the wait.
  std::mutex wakeMutex_;
  std::condition_variable woken_;
  bool wakeRequested_ = false;
  bool exhausted_ = false;
  std::uint64_t documents_ = 0;
  std::size_t bytesRead_ = 0;
  std::size_t totalBytes_ = 0;
  std::size_t unreadable_ = 0;
};

}  // namespace auditstream
