// SPDX-License-Identifier: BSD-2-Clause
#include "capture.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <iostream>
#include <vector>

#include "control_client.hpp"
#include "json_reader.hpp"
#include "src/daemon/capture_filter.hpp"
#include "platform/posix/unique_fd.hpp"
#include "src/daemon/pcapng.hpp"

namespace dslite::ctl {

namespace {

namespace pcapng = dslite::daemon::pcapng;

volatile std::sig_atomic_t stop_requested = 0;

void on_stop_signal(int) { stop_requested = 1; }

int refuse(const std::string& line) {
    std::cerr << "dslite-ctl: capture: " << line << "\n(see dslite-ctl --help)\n";
    return 2;
}

int fail(const std::string& line) {
    std::cerr << "dslite-ctl: capture: " << line << '\n';
    return 1;
}

}  // namespace

int run_capture(const std::string& control, std::span<const std::string_view> args) {
    stop_requested = 0;  // a caller may run several (the tests)
    std::string output;
    std::string request = "capture";
    std::vector<std::string_view> options;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "-w") {
            if (i + 1 >= args.size()) return refuse("-w: needs a file, or - for stdout");
            if (!output.empty()) return refuse("-w: given twice");
            output = args[++i];
            continue;
        }
        if (args[i].find_first_of(" \t\n") != std::string_view::npos)
            return refuse("'" + std::string(args[i]) + "': arguments cannot contain spaces");
        options.push_back(args[i]);
        request += ' ';
        request += args[i];
    }
    // The daemon's own reader: refused here as the daemon would refuse it.
    auto parsed = dslite::daemon::parse_capture_request(options);
    if (auto* error = std::get_if<std::string>(&parsed)) return refuse(*error);
    if (output.empty()) return refuse("-w FILE (or -w - for stdout) is needed");

    const Connection socket = connect_control(control, std::chrono::seconds(10));
    if (!socket.error.empty()) return fail(socket.error);
    if (!send_line(socket.fd, request)) return fail(control + ": sending: " + std::strerror(errno));

    // The answer line, then the stream.
    std::vector<std::uint8_t> buffer;
    std::string line;
    std::uint8_t chunk[65536];
    while (true) {
        const ssize_t n = ::recv(socket.fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return fail(control + ": no answer in time");
        if (n < 0) return fail(control + ": reading: " + std::strerror(errno));
        if (n == 0) return fail(control + ": the daemon closed the connection without answering");
        buffer.insert(buffer.end(), chunk, chunk + n);
        const auto end = std::find(buffer.begin(), buffer.end(), std::uint8_t{'\n'});
        if (end == buffer.end()) continue;
        line.assign(buffer.begin(), end);
        buffer.erase(buffer.begin(), end + 1);
        break;
    }
    auto answer = parse_json(line);
    if (auto* e = std::get_if<std::string>(&answer)) return fail("the daemon's answer is not JSON: " + *e);
    if (std::get<JsonValue>(answer).has("error")) {
        std::cerr << "dslite-ctl: " << std::get<JsonValue>(answer)["error"].text << '\n';
        return 2;
    }

    int out = 1;
    if (output != "-") {
        out = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out < 0) return fail("-w " + output + ": " + std::strerror(errno));
    }
    // A stream without end: no read timeout. SIGINT and SIGTERM half-close
    // the connection, and the daemon ends the capture with its statistics.
    timeval none{};
    ::setsockopt(socket.fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
    struct sigaction stop {};
    stop.sa_handler = on_stop_signal;
    sigemptyset(&stop.sa_mask);
    ::sigaction(SIGINT, &stop, nullptr);
    ::sigaction(SIGTERM, &stop, nullptr);
    std::signal(SIGPIPE, SIG_IGN);  // a reader gone (| tcpdump -c N) is a write error

    std::uint64_t packets = 0, dropped = 0;
    bool statistics = false, output_failed = false, half_closed = false, first = true, malformed = false;
    std::chrono::steady_clock::time_point give_up{};
    const auto half_close = [&] {
        if (half_closed) return;
        half_closed = true;
        ::shutdown(socket.fd, SHUT_WR);
        give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    };
    bool open = true;
    while (open) {
        // Whole blocks to the output, the rest kept for the next read.
        std::size_t used = 0;
        while (auto length = pcapng::complete_block(std::span(buffer).subspan(used))) {
            const auto block = std::span<const std::uint8_t>(buffer).subspan(used, *length);
            if (!pcapng::well_formed(block) ||
                (first && (pcapng::block_type(block) != pcapng::kSectionHeader || block.size() < 12 ||
                           std::memcmp(block.data() + 8, &pcapng::kByteOrderMagic, 4) != 0))) {
                malformed = true;
                open = false;
                break;
            }
            first = false;
            used += *length;
            if (pcapng::block_type(block) == pcapng::kEnhancedPacket) ++packets;
            if (auto d = pcapng::interface_drops(block)) {
                dropped += *d;
                statistics = true;
            }
            if (!output_failed && !platform::write_all(out, block)) {
                output_failed = true;
                half_close();
            }
        }
        buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(used));
        if (!open) break;
        if (stop_requested) half_close();
        if (half_closed && std::chrono::steady_clock::now() > give_up) break;
        pollfd wait{socket.fd, POLLIN, 0};
        const int ready = ::poll(&wait, 1, 200);
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) continue;
        const ssize_t n = ::recv(socket.fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // the daemon ended the capture (or went)
        buffer.insert(buffer.end(), chunk, chunk + n);
    }
    if (out != 1) ::close(out);

    std::cerr << "dslite-ctl: " << packets << (packets == 1 ? " packet" : " packets") << " captured";
    if (statistics)
        std::cerr << ", " << dropped << " dropped by the capture ring";
    else
        std::cerr << " (the daemon stopped before it sent its drop count)";
    std::cerr << '\n';
    if (malformed) return fail("the daemon's stream is not pcapng; what came before is kept");
    if (output_failed && output != "-") return fail("-w " + output + ": writing failed");
    return 0;
}

}  // namespace dslite::ctl
