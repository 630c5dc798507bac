// SPDX-License-Identifier: BSD-2-Clause
// The longest pause in forwarding while the control socket lists a large
// binding table (issue 13: under 10 ms with a million bindings).
//
// One io_context and one thread, as the daemon has with --threads 1: a
// forwarding handler runs one burst of established B4 traffic through the
// engine and posts itself again, while a client lists the table over the
// real control socket (ControlServer + serve()). The gaps between two bursts
// are the pauses. Three phases, in one run so that they share the machine's
// noise: forwarding alone, a listing in pieces (what the daemon does), and
// the same answer built whole in one handler (what it did before).
//
//   dslite-bench-control-pause [--bindings N] [--request LINE] [--runs R]
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <string>
#include <vector>

#include "src/daemon/control_server.hpp"
#include "traffic.hpp"

namespace {

using namespace dslite;
using namespace dslite::daemon;
using Clock = std::chrono::steady_clock;
namespace asio = boost::asio;

constexpr std::size_t kBurst = 32;

class NullEmitter final : public Emitter {
public:
    void emit(Side, std::span<const std::uint8_t>) override {}
};

Time engine_now(Clock::time_point start) {
    return std::chrono::duration_cast<Time>(Clock::now() - start) + Time{1'000'000};
}

struct Phase {
    double longest_ms = 0;  // the longest gap between two bursts
    double p99_ms = 0;
    double listing_s = 0;  // first byte asked to last byte read
    std::size_t bytes = 0;
    std::size_t bursts = 0;
};

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

class Lab {
public:
    explicit Lab(std::uint32_t flows)
        : engine_(bench::config_for(flows)),
          start_(Clock::now()),
          path_((std::filesystem::temp_directory_path() / ("dslite-pause-" + std::to_string(::getpid()))).string()) {
        NullEmitter none;
        bench::Template t;
        for (std::uint32_t f = 0; f < flows; ++f) {
            bench::write_b4_packet(f, t.bytes.data());
            Packet p = buffer_.holding({t.bytes.data(), bench::kB4PacketSize});
            if (engine_.from_b4(p, engine_now(start_), none) != Verdict::to_uplink) {
                std::fprintf(stderr, "flow %u refused\n", f);
                std::exit(1);
            }
        }
        traffic_ = bench::b4_templates(flows, 1);
    }

    std::size_t bindings() const { return engine_.binding_count(); }

    // Forwards for `seconds` alone (request empty), or until a listing of
    // `request` ends; `whole` builds the answer in one handler.
    Phase run(const std::string& request, bool whole, double seconds) {
        asio::io_context io;
        auto opened = ControlServer::open(io, path_, [&](std::string_view line) {
            Pieces pieces = serve(line, 1, [&](std::size_t, const auto& work) { work(engine_, Gauges{}); });
            if (!whole) return pieces;
            return daemon::whole(joined(std::move(pieces)));
        });
        if (auto* e = std::get_if<std::string>(&opened)) {
            std::fprintf(stderr, "%s\n", e->c_str());
            std::exit(1);
        }
        auto server = std::move(std::get<std::unique_ptr<ControlServer>>(opened));

        Phase phase;
        std::vector<double> gaps;
        std::atomic<bool> done{false};
        std::future<std::size_t> client;
        Clock::time_point asked{}, answered{};
        Clock::time_point last = Clock::now();
        const Clock::time_point until =
            last + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
        std::function<void()> forward = [&] {
            const Clock::time_point now = Clock::now();
            gaps.push_back(ms(now - last));
            burst();
            last = Clock::now();
            if (request.empty() ? last < until : !done.load()) {
                asio::post(io, forward);
            } else {
                io.stop();
            }
        };
        if (!request.empty()) {
            asked = Clock::now();
            client = std::async(std::launch::async, [&] {
                asio::io_context own;
                asio::local::stream_protocol::socket socket(own);
                socket.connect(asio::local::stream_protocol::endpoint(path_));
                asio::write(socket, asio::buffer(request + "\n"));
                // Read and let go, to the newline: the client's work should
                // not be what the forwarding thread waits for.
                std::vector<char> chunk(1 << 16);
                std::size_t n = 0;
                boost::system::error_code e;
                for (;;) {
                    const std::size_t got = socket.read_some(asio::buffer(chunk), e);
                    n += got;
                    if (e || std::memchr(chunk.data(), '\n', got)) break;
                }
                answered = Clock::now();
                done = true;
                return n;
            });
        }
        asio::post(io, forward);
        io.run();
        if (client.valid()) {
            phase.bytes = client.get();
            phase.listing_s = std::chrono::duration<double>(answered - asked).count();
        }
        phase.bursts = gaps.size();
        std::sort(gaps.begin(), gaps.end());
        if (!gaps.empty()) {
            phase.longest_ms = gaps.back();
            phase.p99_ms = gaps[gaps.size() * 99 / 100];
        }
        return phase;
    }

private:
    void burst() {
        NullEmitter none;
        const Time now = engine_now(start_);
        for (std::size_t i = 0; i < kBurst; ++i) {
            const bench::Template& t = traffic_[next_++ % traffic_.size()];
            Packet p = buffer_.holding({t.bytes.data(), bench::kB4PacketSize});
            engine_.from_b4(p, now, none);
        }
    }

    Engine engine_;
    Clock::time_point start_;
    std::string path_;
    PacketBuffer buffer_;
    std::vector<bench::Template> traffic_;
    std::size_t next_ = 0;
};

void print(const char* name, const Phase& p) {
    std::printf("%-8s longest %8.2f ms  p99 %6.3f ms  bursts %8zu", name, p.longest_ms, p.p99_ms, p.bursts);
    if (p.bytes != 0) std::printf("  listing %6.2f s  %zu bytes", p.listing_s, p.bytes);
    std::printf("\n");
}

}  // namespace

int main(int argc, char* argv[]) {
    std::uint32_t flows = 1'000'000;
    std::string request = "bindings";
    int runs = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string name = argv[i];
        if (name == "--bindings") {
            flows = static_cast<std::uint32_t>(std::strtoul(argv[i + 1], nullptr, 10));
        } else if (name == "--request") {
            request = argv[i + 1];
        } else if (name == "--runs") {
            runs = std::atoi(argv[i + 1]);
        } else {
            std::fprintf(stderr, "usage: %s [--bindings N] [--request LINE] [--runs R]\n", argv[0]);
            return 2;
        }
    }
    Lab lab(flows);
    std::printf("%zu bindings, request '%s', bursts of %zu\n", lab.bindings(), request.c_str(), kBurst);
    for (int r = 0; r < runs; ++r) {
        std::printf("run %d\n", r + 1);
        print("alone", lab.run("", false, 2.0));
        print("pieces", lab.run(request, false, 0));
        print("whole", lab.run(request, true, 0));
    }
    return 0;
}
