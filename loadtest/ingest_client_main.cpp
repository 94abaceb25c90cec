// auditstream-ingest-client: posts audit events to `auditstream ingest` as a kube-apiserver's webhook
// backend does — EventLists of --batch events (400, the apiserver's default), from --threads connections
// kept alive — for --duration seconds, and reports requests, events/s and the time from POST to answer
// (p50, p99, max). Events come from a JSON-lines file (auditstream-loadgen --out, or an apiserver's audit
// log) and are sent round and round. Used by loadtest/bench-ingest (BENCHMARKS.md, "Ingest").
//
// usage: auditstream-ingest-client --url URL --token TOKEN --ca FILE [--batch N] [--threads N]
//                                  [--duration SECONDS] FILE
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "sinks/http_client.h"

namespace {

using SteadyClock = std::chrono::steady_clock;

int usage() {
  std::fputs(
      "usage: auditstream-ingest-client --url URL --token TOKEN --ca FILE [--batch N] [--threads N] "
      "[--duration SECONDS] FILE\n",
      stderr);
  return 2;
}

// The EventList bodies: consecutive runs of `batch` lines.
std::vector<std::string> bodies(const std::vector<std::string>& events, std::size_t batch) {
  std::vector<std::string> out;
  for (std::size_t start = 0; start + batch <= events.size(); start += batch) {
    std::string body = R"({"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[)";
    for (std::size_t i = start; i < start + batch; ++i) body += (i == start ? "" : ",") + events[i];
    out.push_back(body + "]}");
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace auditstream;
  std::string url;
  std::string token;
  std::string ca;
  std::string input;
  std::size_t batch = 400;
  unsigned threads = 4;
  double duration = 20;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--url" && i + 1 < argc) {
      url = argv[++i];
    } else if (arg == "--token" && i + 1 < argc) {
      token = argv[++i];
    } else if (arg == "--ca" && i + 1 < argc) {
      ca = argv[++i];
    } else if (arg == "--batch" && i + 1 < argc) {
      batch = std::stoul(argv[++i]);
    } else if (arg == "--threads" && i + 1 < argc) {
      threads = static_cast<unsigned>(std::stoul(argv[++i]));
    } else if (arg == "--duration" && i + 1 < argc) {
      duration = std::stod(argv[++i]);
    } else if (!arg.starts_with("--")) {
      input = arg;
    } else {
      return usage();
    }
  }
  if (url.empty() || token.empty() || input.empty() || batch == 0 || threads == 0) return usage();
  std::vector<std::string> events;
  std::ifstream in(input);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) events.push_back(line);
  }
  const std::vector<std::string> lists = bodies(events, batch);
  if (lists.empty()) {
    std::fprintf(stderr, "auditstream-ingest-client: %s holds fewer than %zu events\n", input.c_str(), batch);
    return 1;
  }
  std::size_t bytes = 0;
  for (const std::string& body : lists) bytes += body.size();
  std::fprintf(stderr, "%zu events in %zu batches of %zu (%.0f KB each), %u connections, %.0f s\n", events.size(),
               lists.size(), batch, static_cast<double>(bytes) / static_cast<double>(lists.size()) / 1024, threads,
               duration);

  std::mutex mutex;
  std::vector<double> latencies;
  std::atomic<std::size_t> failures{0};
  std::atomic<std::size_t> next{0};
  const auto deadline = SteadyClock::now() + std::chrono::duration<double>(duration);
  const auto started = SteadyClock::now();
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      Result<HttpClient> client = HttpClient::create();
      if (!client) return;
      TlsOptions tls;
      tls.caFile = ca;
      std::vector<double> mine;
      while (SteadyClock::now() < deadline) {
        HttpRequest request;
        request.method = "POST";
        request.url = url;
        request.body = lists[next++ % lists.size()];
        request.headers = {"Authorization: Bearer " + token, "Content-Type: application/json"};
        request.timeout = std::chrono::seconds(60);
        request.tls = &tls;
        const auto sent = SteadyClock::now();
        const Result<HttpResponse> response = client->send(request);
        if (!response || response->status != 200) {
          ++failures;
          continue;
        }
        mine.push_back(std::chrono::duration<double>(SteadyClock::now() - sent).count());
      }
      std::lock_guard lock(mutex);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  for (std::thread& worker : workers) worker.join();
  const double elapsed = std::chrono::duration<double>(SteadyClock::now() - started).count();
  std::sort(latencies.begin(), latencies.end());
  const auto at = [&](double quantile) {
    return latencies.empty()
               ? 0.0
               : latencies[std::min(latencies.size() - 1,
                                    static_cast<std::size_t>(quantile * static_cast<double>(latencies.size())))];
  };
  const std::size_t ok = latencies.size();
  // One line of key=value for the bench script.
  std::printf("requests=%zu failed=%zu events=%zu seconds=%.2f events_per_s=%.0f p50_ms=%.1f p99_ms=%.1f max_ms=%.1f\n",
              ok, failures.load(), ok * batch, elapsed, static_cast<double>(ok * batch) / elapsed, at(0.5) * 1000,
              at(0.99) * 1000, latencies.empty() ? 0.0 : latencies.back() * 1000);
  return failures.load() == 0 ? 0 : 1;
}
