#pragma once
// An OpenAI-compatible streaming server for load tests, with timing set by a script: each request
// waits for one of `slots` (FIFO, as a server with that many batch slots), then its first token
// comes `ttftMs` after it got a slot and every further token `tpotMs` after the one before, up to
// the request's max_tokens. Written with POSIX sockets and one thread per connection, so that it
// runs beside an engine that blocks the test's thread (no event loop needed).
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct TimingScript {
    double ttftMs = 20;
    double tpotMs = 5;
    int slotCount = 1; // not "slots": a Qt macro in test files
    int failEvery = 0; // > 0: every n-th request (1-based, in order of arrival) gets HTTP 500
};

class ScriptedTimingServer {
public:
    explicit ScriptedTimingServer(TimingScript script) : script_(script)
    {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        int yes = 1;
        ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = 0;
        ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
        ::listen(listener_, 512);
        socklen_t length = sizeof address;
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
        acceptor_ = std::thread([this] { acceptLoop(); });
    }

    ~ScriptedTimingServer()
    {
        stopping_ = true;
        ::shutdown(listener_, SHUT_RDWR);
        ::close(listener_);
        acceptor_.join();
        std::vector<std::thread> workers;
        {
            std::lock_guard lock(mutex_);
            workers.swap(workers_);
        }
        for (auto& worker : workers)
            worker.join();
    }

    std::string baseUrl() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
    int requestsServed() const { return served_.load(); }

private:
    void acceptLoop()
    {
        while (!stopping_) {
            const int client = ::accept(listener_, nullptr, nullptr);
            if (client < 0)
                return;
            int yes = 1;
            ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
            std::lock_guard lock(mutex_);
            workers_.emplace_back([this, client] { serveConnection(client); });
        }
    }

    static bool sendAll(int socket, const std::string& bytes)
    {
        std::size_t sent = 0;
        while (sent < bytes.size()) {
            const auto n = ::send(socket, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n <= 0)
                return false;
            sent += static_cast<std::size_t>(n);
        }
        return true;
    }

    static std::string chunked(const std::string& data)
    {
        char size[16];
        std::snprintf(size, sizeof size, "%zx\r\n", data.size());
        return size + data + "\r\n";
    }

    // Reads one HTTP request; returns its body, or false when the peer closed.
    static bool readRequest(int socket, std::string& buffer, std::string& body)
    {
        char chunk[4096];
        while (true) {
            const auto headerEnd = buffer.find("\r\n\r\n");
            if (headerEnd != std::string::npos) {
                std::size_t length = 0;
                std::string headers = buffer.substr(0, headerEnd);
                for (auto& c : headers)
                    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                if (const auto at = headers.find("content-length:"); at != std::string::npos)
                    length = std::stoul(headers.substr(at + 15));
                if (buffer.size() >= headerEnd + 4 + length) {
                    body = buffer.substr(headerEnd + 4, length);
                    buffer.erase(0, headerEnd + 4 + length);
                    return true;
                }
            }
            const auto n = ::recv(socket, chunk, sizeof chunk, 0);
            if (n <= 0)
                return false;
            buffer.append(chunk, static_cast<std::size_t>(n));
        }
    }

    void acquireSlot()
    {
        std::unique_lock lock(mutex_);
        const std::uint64_t ticket = nextTicket_++;
        slotFree_.wait(lock, [&] { return ticket == servingTicket_ && busy_ < script_.slotCount; });
        ++busy_;
        ++servingTicket_;
        slotFree_.notify_all();
    }
    void releaseSlot()
    {
        std::lock_guard lock(mutex_);
        --busy_;
        slotFree_.notify_all();
    }

    void serveConnection(int socket)
    {
        using namespace std::chrono;
        std::string buffer, body;
        while (!stopping_ && readRequest(socket, buffer, body)) { // keep-alive: one request after another
            const int number = ++arrived_;
            const auto request = nlohmann::json::parse(body, nullptr, false);
            const int tokens = request.is_object() && request.contains("max_tokens") ? request["max_tokens"].get<int>() : 16;
            if (script_.failEvery > 0 && number % script_.failEvery == 0) {
                const std::string error = R"({"error": {"message": "scripted failure"}})";
                sendAll(socket, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: " +
                                    std::to_string(error.size()) + "\r\n\r\n" + error);
                continue;
            }
            acquireSlot();
            const auto started = steady_clock::now();
            bool alive = sendAll(socket, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int t = 0; alive && t < tokens; ++t) {
                const double dueMs = script_.ttftMs + t * script_.tpotMs;
                std::this_thread::sleep_until(started + duration_cast<steady_clock::duration>(duration<double, std::milli>(dueMs)));
                nlohmann::json chunk = {{"id", "scripted"}, {"object", "chat.completion.chunk"},
                                        {"choices", {{{"index", 0}, {"delta", {{"content", " tok"}}}, {"finish_reason", nullptr}}}}};
                if (t + 1 == tokens)
                    chunk["choices"][0]["finish_reason"] = "length";
                alive = sendAll(socket, chunked("data: " + chunk.dump() + "\n\n"));
            }
            releaseSlot();
            if (alive) {
                const nlohmann::json usage = {{"id", "scripted"}, {"choices", nlohmann::json::array()},
                                              {"usage", {{"prompt_tokens", 7}, {"completion_tokens", tokens}}}};
                sendAll(socket, chunked("data: " + usage.dump() + "\n\n") + chunked("data: [DONE]\n\n") + "0\r\n\r\n");
                ++served_;
            }
        }
        ::close(socket);
    }

    TimingScript script_;
    int listener_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> arrived_{0}, served_{0};
    std::thread acceptor_;
    std::mutex mutex_;
    std::condition_variable slotFree_;
    std::vector<std::thread> workers_;
    std::uint64_t nextTicket_ = 0, servingTicket_ = 0;
    int busy_ = 0;
};
