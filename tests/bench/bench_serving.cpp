// Serving benchmark client: what the load generator itself costs. A scripted server on loopback
// (tests/ScriptedTimingServer.h, no delays) streams N tokens to 8 concurrent requests; the
// candidate is the engine's client (runLoad: SSE decoding, JSON parsing, a steady-clock stamp per
// chunk); the baseline is the same libcurl multi loop on the same requests whose write callback
// only counts bytes, the transport's floor. Same thread count (one client thread; the server's
// threads are shared by both), same server, same bytes. The ratio (below 1: slower than the floor)
// is the client's own share of a stream; with a real server's TPOT of milliseconds, the per-chunk
// time printed beside it is what matters.
#include "BenchRatios.h"
#include "ScriptedTimingServer.h"

#include "engine/serving/LoadClient.h"

#include <curl/curl.h>

#include <memory>
#include <numeric>

using namespace ls;
using namespace ls::serving;

namespace {

constexpr int kConcurrent = 8;

ScriptedTimingServer& server()
{
    static ScriptedTimingServer instance({0, 0, kConcurrent});
    return instance;
}

std::vector<RequestSpec> requestsOf(int tokens)
{
    return syntheticRequests(kConcurrent, {LengthRule::Fixed, 32, 32}, {LengthRule::Fixed, tokens, tokens}, 1);
}

std::size_t countBytes(char*, std::size_t size, std::size_t count, void* user)
{
    *static_cast<std::size_t*>(user) += size * count;
    return size * count;
}

// The floor: the same requests through one libcurl multi handle, bytes counted and dropped.
std::size_t transportOnly(const ServerSettings& settings, const std::vector<RequestSpec>& requests)
{
    std::unique_ptr<CURLM, decltype(&curl_multi_cleanup)> multi(curl_multi_init(), &curl_multi_cleanup);
    const std::string url = endpointUrl(settings);
    std::vector<std::string> bodies;
    std::vector<CURL*> handles;
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    std::size_t bytes = 0;
    for (const auto& request : requests)
        bodies.push_back(requestBody(settings, request));
    for (const auto& body : bodies) {
        CURL* easy = curl_easy_init();
        curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &countBytes);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, &bytes);
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        curl_multi_add_handle(multi.get(), easy);
        handles.push_back(easy);
    }
    int running = 1;
    while (running) {
        curl_multi_perform(multi.get(), &running);
        if (running)
            curl_multi_poll(multi.get(), nullptr, 0, 50, nullptr);
    }
    for (CURL* easy : handles) {
        curl_multi_remove_handle(multi.get(), easy);
        curl_easy_cleanup(easy);
    }
    curl_slist_free_all(headers);
    return bytes;
}

ServerSettings settings()
{
    ServerSettings s;
    s.baseUrl = server().baseUrl();
    return s;
}

void Client(benchmark::State& state)
{
    const auto requests = requestsOf(static_cast<int>(state.range(0)));
    std::vector<double> chunkUs;
    for (auto _ : state) {
        LoadRun run = runLoad(settings(), requests, std::vector<double>(requests.size(), 0.0), kConcurrent, {});
        chunkUs.insert(chunkUs.end(), run.overhead.chunkHandlingUs.begin(), run.overhead.chunkHandlingUs.end());
        for (const auto& r : run.requests)
            if (!r.ok())
                state.SkipWithError(r.error.c_str());
    }
    std::sort(chunkUs.begin(), chunkUs.end());
    state.counters["chunk_us_median"] = chunkUs.empty() ? 0 : chunkUs[chunkUs.size() / 2];
    state.counters["chunk_us_p99"] = chunkUs.empty() ? 0 : chunkUs[chunkUs.size() * 99 / 100];
    state.SetItemsProcessed(state.iterations() * state.range(0) * kConcurrent);
}

void TransportOnly(benchmark::State& state)
{
    const auto requests = requestsOf(static_cast<int>(state.range(0)));
    for (auto _ : state)
        benchmark::DoNotOptimize(transportOnly(settings(), requests));
    state.SetItemsProcessed(state.iterations() * state.range(0) * kConcurrent);
}

} // namespace

BENCHMARK(Client)->Arg(256)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime()->Repetitions(5)->ReportAggregatesOnly(false);
BENCHMARK(TransportOnly)->Arg(256)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime()->Repetitions(5)->ReportAggregatesOnly(false);

int main(int argc, char** argv)
{
    benchmark::Initialize(&argc, argv);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    ls::bench::RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    reporter.printRatios("Client", "TransportOnly");
    return 0;
}
