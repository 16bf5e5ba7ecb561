#pragma once
// The load generator's HTTP client: sends streaming completion requests to an OpenAI-compatible
// server at planned arrival times, at most `maxConcurrency` at once, all from one thread through
// libcurl's multi interface, and stamps each request with the steady clock: handed to libcurl
// (send), first response byte, every chunk that carries text, and the end. Failures (HTTP errors,
// timeouts, broken or empty streams) are kept with their message, never dropped.
#include "Workload.h"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace ls::serving {

struct ServerSettings {
    std::string baseUrl = "http://127.0.0.1:8000/v1"; // "/chat/completions" or "/completions" is appended
    std::string model;   // empty: left out of the request (one-model servers use theirs)
    bool chat = true;    // chat completions, or the older text completions endpoint
    bool ignoreEos = true; // ask for exactly max_tokens (vLLM, llama.cpp); servers that do not know it ignore it
    std::string apiKey;  // sent as a Bearer token; empty: no Authorization header
    double timeoutS = 120; // per request, from send to end
};

std::string endpointUrl(const ServerSettings& server);
std::string requestBody(const ServerSettings& server, const RequestSpec& request);

struct RequestTiming {
    // Seconds since the load run's origin (LoadRun::origin); NaN when it did not happen.
    double arrivalS = 0;  // planned
    double sendS = 0;     // handed to libcurl (a free slot was found)
    double firstByteS = 0;
    double endS = 0;
    std::vector<double> tokenS; // each chunk that carried generated text
    int outputTokens = 0;       // the server's usage count when it sent one, else the text chunks
    int promptTokens = -1;      // the server's usage count; -1: not reported
    int httpStatus = 0;
    bool heldForSlot = false;   // waited in the client's queue for a free slot
    bool timedOut = false;
    std::string error;          // empty: the request succeeded
    bool ok() const { return error.empty(); }
};

// What the client itself costs, measured while it ran.
struct ClientOverhead {
    std::vector<double> chunkHandlingUs; // time spent in the client per received chunk (SSE + JSON)
    std::vector<double> dispatchLagUs;   // send − planned arrival, for requests that had a free slot
};

struct LoadRun {
    std::chrono::steady_clock::time_point origin;
    std::vector<RequestTiming> requests;
    ClientOverhead overhead;
};

struct LoadCallbacks {
    std::function<bool()> cancelled;                  // polled every loop; true stops the run (CancelledError)
    std::function<void(std::size_t finished)> progress;
};

// Runs `requests[i]` at `arrivalsS[i]` seconds after the start. Throws ArgumentError for a URL
// libcurl cannot use, CancelledError when cancelled (requests in flight are aborted).
LoadRun runLoad(const ServerSettings& server, const std::vector<RequestSpec>& requests,
                const std::vector<double>& arrivalsS, int maxConcurrency, const LoadCallbacks& callbacks);

} // namespace ls::serving
