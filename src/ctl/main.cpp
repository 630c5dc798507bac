// SPDX-License-Identifier: BSD-2-Clause
// dslite-ctl: asks a running dslite-aftr what it is doing, over its control
// socket. Tables for people by default, the daemon's JSON with --json.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "capture.hpp"
#include "control_client.hpp"
#include "json_reader.hpp"
#include "platform/control_path.hpp"
#include "src/daemon/control_commands.hpp"
#include "tables.hpp"
#include "terminal.hpp"
#include "top.hpp"

namespace {

using namespace dslite::ctl;

constexpr const char* kUsage =
    "Usage: dslite-ctl [--control PATH] [--json] COMMAND [FILTERS]\n"
    "       dslite-ctl [--control PATH] top [--interval SECONDS] [--count N]\n"
    "       dslite-ctl [--control PATH] capture [FILTERS] [--count N] [--snaplen N] -w FILE|-\n"
    "\n"
    "Commands:\n"
    "  stats                   every counter, bindings, subscribers, uptime\n"
    "  bindings [FILTERS]      the binding table (sessions: the same); filters, each at most once:\n"
    "      --b4 ADDR[/LEN]       bindings of B4s at this IPv6 address or in this prefix\n"
    "      --protocol P          tcp, udp or icmp\n"
    "      --public ADDR         bindings on this public IPv4 address\n"
    "      --limit N             only the first N (by B4, protocol and inside end)\n"
    "  subscribers [--limit N] each subscriber: its softwires (B4 addresses), public address,\n"
    "                          binding count and ports in use per protocol (b4s: the same);\n"
    "                          --limit N: only the first N by prefix\n"
    "  whois ADDR:PORT         who has this public IPv4 address and port: the subscriber under\n"
    "                          --port-mapping deterministic, the port block holding it under\n"
    "                          --port-block-size, and the live bindings on it\n"
    "  whois IPV6[/LEN]        the public address and port range of that subscriber (deterministic)\n"
    "                          or its port blocks, and the live bindings of B4s in it\n"
    "  top [OPTIONS]           a live view, redrawn each interval: packets and bits per second in\n"
    "                          and out on each side, drops per second by reason, bindings per\n"
    "                          protocol, the busiest subscribers by packets and by bindings; q quits.\n"
    "                          Not on a terminal: --count frames (default 1) as plain text\n"
    "      --interval SECONDS    between frames (default 1; at least 0.1)\n"
    "      --count N             frames to show, then exit (default: until q)\n"
    "  capture [FILTERS]       the packets of matching subscribers or public ends on both sides\n"
    "                          of the NAT (the softwire packet and the IPv4 one), as pcapng with\n"
    "                          interface 0 \"b4\" and 1 \"uplink\"; ends on --count, SIGINT or SIGTERM:\n"
    "      --b4 ADDR[/LEN]       packets of B4s at this IPv6 address or in this prefix\n"
    "      --public ADDR[:PORT]  packets to or from this public IPv4 address (and port)\n"
    "      --count N             stop after N packets (each side's copy counts as one)\n"
    "      --snaplen N           keep the first N bytes of each packet (default: all)\n"
    "      -w FILE|-             write pcapng to FILE, or to stdout with - (required)\n"
    "\n"
    "Options:\n"
    "  --control PATH          the daemon's control socket (default ";
constexpr const char* kUsageEnd =
    ")\n"
    "  --json                  print the daemon's answer as JSON, one line\n"
    "  --help                  print this help\n";

int usage_error(const std::string& line) {
    std::cerr << "dslite-ctl: " << line << "\n(see dslite-ctl --help)\n";
    return 2;
}

double steady_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// One request's answer, or the line saying what went wrong.
std::variant<JsonValue, std::string> ask_json(const std::string& control, const std::string& request) {
    const Reply reply = ask(control, request, std::chrono::seconds(3));
    if (!reply.error.empty()) return reply.error;
    auto parsed = parse_json(reply.line);
    if (auto* e = std::get_if<std::string>(&parsed)) return "the daemon's answer is not JSON: " + *e;
    if (std::get<JsonValue>(parsed).has("error")) return std::get<JsonValue>(parsed)["error"].text;
    return parsed;
}

// The daemon's stats and its `rows` busiest subscribers, or what went wrong.
std::string take_sample(const std::string& control, std::size_t rows, Sample& sample) {
    sample.seconds = steady_seconds();
    auto stats = ask_json(control, "stats");
    if (auto* e = std::get_if<std::string>(&stats)) return *e;
    auto top = ask_json(control, "top " + std::to_string(std::clamp<std::size_t>(rows, 5, 100)));
    if (auto* e = std::get_if<std::string>(&top)) return *e;
    sample.stats = std::move(std::get<JsonValue>(stats));
    sample.top = std::move(std::get<JsonValue>(top));
    return {};
}

// The live view. On a terminal: the alternate screen, redrawn each interval
// and on a change of size, until q (or --count frames, or a signal), and the
// terminal as it was after, whichever way it ends. Elsewhere: --count frames
// (default 1) as plain text, each after an interval, for scripts.
int run_top(const std::string& control, const TopOptions& options) {
    Signals signals;
    std::string error;
    const bool terminal = terminal_size(STDOUT_FILENO).has_value();
    const unsigned long frames = options.count.value_or(terminal ? 0 : 1);  // 0: until q
    const auto size_now = [&] {
        if (auto size = terminal_size(STDOUT_FILENO)) return *size;
        const char* columns = std::getenv("COLUMNS");
        const long width = columns ? std::strtol(columns, nullptr, 10) : 0;
        return TerminalSize{width > 0 ? static_cast<std::size_t>(width) : 80, 10000};
    };
    std::vector<std::string> last;  // the last frame drawn
    bool counted_out = false;       // --count frames were shown
    {
        std::optional<Screen> screen;
        if (terminal) screen.emplace();
        TerminalSize size = size_now();
        Sample previous, now;
        std::optional<Rates> rates;
        unsigned long shown = 0;
        const auto show = [&] {
            const auto lines = render_top(now, rates ? &*rates : nullptr, size.width, size.height);
            if (screen) {
                screen->draw(lines, size.width, size.height);
                last = lines;
                return;
            }
            if (shown > 1) std::cout << '\n';
            for (const auto& line : lines) std::cout << line << '\n';
            std::cout.flush();
        };
        bool quit = false;
        while (!quit && !signals.stopped()) {
            error = take_sample(control, size.height, now);
            if (!error.empty()) break;
            if (previous.seconds > 0) {
                rates = rates_between(previous, now);
                ++shown;
            }
            // The first frame, without rates, only on a terminal: something to see at once.
            if (screen || rates) show();
            if (frames != 0 && shown >= frames) {
                counted_out = true;
                break;
            }
            previous = now;
            const double due = now.seconds + options.interval;
            while (!quit) {
                const double left = due - steady_seconds();
                if (left <= 0) break;
                char key = 0;
                const Wake wake = signals.wait(std::chrono::milliseconds(static_cast<long>(left * 1000) + 1),
                                               screen ? screen->input() : -1, key);
                if (wake == Wake::stop || (wake == Wake::key && (key == 'q' || key == 'Q' || key == 3))) quit = true;
                if (wake == Wake::suspend) screen ? screen->suspend() : stop_until_continued();
                if ((wake == Wake::resize || wake == Wake::suspend) && screen) {
                    size = size_now();
                    show();
                }
            }
        }
    }  // the terminal is as it was from here on
    // The alternate screen is gone: --count's last frame stays to be read.
    if (counted_out && terminal)
        for (const auto& line : last) std::cout << line << '\n';
    if (!error.empty()) {
        std::cerr << "dslite-ctl: " << error << '\n';
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
    std::string control = dslite::platform::kDefaultControlPath;
    bool json = false;
    std::string request;
    std::string command;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (command.empty()) {
            if (arg == "--help" || arg == "-h") {
                std::cout << kUsage << dslite::platform::kDefaultControlPath << kUsageEnd;
                return 0;
            }
            if (arg == "--json") {
                json = true;
                continue;
            }
            if (arg == "--control") {
                if (i + 1 >= argc) return usage_error("--control needs a path");
                control = argv[++i];
                continue;
            }
            if (arg.starts_with("-")) return usage_error("unknown option " + std::string(arg));
            command = dslite::daemon::current_command_name(arg);
            if (command == "top") {
                if (json) return usage_error("top shows no JSON: --json is for the other commands");
                auto options = parse_top_options({argv + i + 1, static_cast<std::size_t>(argc - i - 1)});
                if (auto* e = std::get_if<std::string>(&options)) return usage_error(*e);
                return run_top(control, std::get<TopOptions>(options));
            }
            if (command == "capture") {
                const std::vector<std::string_view> rest(argv + i + 1, argv + argc);
                return dslite::ctl::run_capture(control, rest);
            }
            if (command != "stats" && command != "bindings" && command != "subscribers" && command != "whois")
                return usage_error("unknown command '" + std::string(arg) +
                                   "' (stats, bindings, subscribers, whois, top or capture)");
            request = arg;  // as said: a daemon older than a command's new name knows its old one
            continue;
        }
        if (arg == "--json") {  // also accepted after the command
            json = true;
            continue;
        }
        if (arg.find_first_of(" \t\n") != std::string_view::npos)
            return usage_error("'" + std::string(arg) + "': arguments cannot contain spaces");
        request += ' ';
        request += arg;  // the daemon checks the filters and says what is wrong
    }
    if (command.empty()) return usage_error("no command (stats, bindings, subscribers, whois, top or capture)");

    const Reply reply = ask(control, request);
    if (!reply.error.empty()) {
        std::cerr << "dslite-ctl: " << reply.error << '\n';
        return 1;
    }
    auto parsed = parse_json(reply.line);
    if (auto* e = std::get_if<std::string>(&parsed)) {
        std::cerr << "dslite-ctl: the daemon's answer is not JSON: " << *e << '\n';
        return 1;
    }
    const JsonValue& answer = std::get<JsonValue>(parsed);
    if (answer.has("error")) {
        std::cerr << "dslite-ctl: " << answer["error"].text << '\n';
        return 2;
    }
    if (json) {
        std::cout << reply.line << '\n';
    } else if (command == "stats") {
        std::cout << stats_table(answer);
    } else if (command == "bindings") {
        std::cout << bindings_table(answer);
    } else if (command == "whois") {
        std::cout << whois_table(answer);
    } else {
        std::cout << subscribers_table(answer);
    }
    return 0;
}
