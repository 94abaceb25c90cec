#include "consumer/file_source.h"

#include <filesystem>

namespace auditstream {
namespace {

void deleteString(void* text) { delete static_cast<std::string*>(text); }  // NOLINT(cppcoreguidelines-owning-memory)

}  // namespace

FileSource::FileSource(std::vector<std::string> inputs, unsigned streams) : inputs_(std::move(inputs)) {
  const unsigned count = std::max(1U, streams);
  for (unsigned i = 0; i < count; ++i) {
    StreamName& name = streams_.emplace_back();
    name.topic = "replay";
    name.index = i;
    name.positional = false;
  }
  nextOffset_.assign(count, 0);
  for (const std::string& input : inputs_) {
    std::error_code error;
    if (input != "-") totalBytes_ += static_cast<std::size_t>(std::filesystem::file_size(input, error));
  }
  if (inputs_.size() == 1 && inputs_[0] == "-") totalBytes_ = 0;
}

FileSource::~FileSource() { close(); }

void FileSource::close() {
  if (file_ != nullptr && file_ != stdin) std::fclose(file_);
  file_ = nullptr;
}

bool FileSource::openNext() {
  while (nextInput_ < inputs_.size()) {
    const std::string& input = inputs_[nextInput_++];
    file_ = input == "-" ? stdin : std::fopen(input.c_str(), "rb");
    if (file_ != nullptr) return true;
    std::fprintf(stderr, "replay: cannot open %s\n", input.c_str());
    ++unreadable_;
  }
  return false;
}

void FileSource::add(std::string_view document) {
  const auto stream = static_cast<std::uint32_t>((documents_ / kRun) % streams_.size());
  ++documents_;
  auto* owned = new std::string(document);  // NOLINT(cppcoreguidelines-owning-memory): the message's owner
  InputMessage& message = ready_.emplace_back();
  message.stream = &streams_[stream];
  message.offset = nextOffset_[stream]++;
  message.payload = *owned;
  message.owner = MessageOwner(owned, &deleteString);
}

void FileSource::readChunk() {
  if (file_ == nullptr && !openNext()) {
    exhausted_ = true;
    return;
  }
  const std::size_t n = std::fread(buffer_.data(), 1, buffer_.size(), file_);
  bytesRead_ += n;
  const auto onDocument = [this](std::string_view document) { add(document); };
  if (n > 0) {
    splitter_.feed({buffer_.data(), n}, onDocument);
    return;
  }
  splitter_.finish(onDocument);
  splitter_ = JsonDocumentSplitter{};
  close();
}

void FileSource::poll(std::vector<InputMessage>& out, std::size_t max, std::chrono::milliseconds timeout) {
  if (!announced_) {
    announced_ = true;
    std::vector<const StreamName*> names;
    for (const StreamName& name : streams_) names.push_back(&name);
    if (listener_ != nullptr) listener_->assigned(names);
  }
  if (!paused_) {
    while (ready_.size() < max && !exhausted_) readChunk();
    while (!ready_.empty() && out.size() < max) {
      out.push_back(std::move(ready_.front()));
      ready_.pop_front();
    }
  }
  if (!out.empty()) return;
  // Paused or at the end: wait for the workers (their outcomes wake us) instead of spinning.
  std::unique_lock lock(wakeMutex_);
  woken_.wait_for(lock, timeout, [&] { return wakeRequested_; });
  wakeRequested_ = false;
}

void FileSource::wake() {
  {
    std::lock_guard lock(wakeMutex_);
    wakeRequested_ = true;
  }
  woken_.notify_one();
}

SourceStatus FileSource::status() const {
  SourceStatus status;
  status.assignedStreams = streams_.size();
  return status;
}

}  // namespace auditstream
