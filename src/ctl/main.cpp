// SPDX-License-Identifier: BSD-2-Clause
// dslite-ctl: asks a running dslite-aftr what it is doing, over its control
// socket. Tables for people by default, the daemon's JSON with --json.
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "capture.hpp"
#include "control_client.hpp"
#include "json_reader.hpp"
#include "platform/control_path.hpp"
#include "src/daemon/control_commands.hpp"
#include "tables.hpp"

namespace {

using namespace dslite::ctl;

constexpr const char* kUsage =
    "Usage: dslite-ctl [--control PATH] [--json] COMMAND [FILTERS]\n"
    "       dslite-ctl [--control PATH] capture [FILTERS] [--count N] [--snaplen N] -w FILE|-\n"
    "\n"
    "Commands:\n"
    "  stats                   every counter, bindings, subscribers, uptime\n"
    "  bindings [FILTERS]      the binding table (sessions: the same); filters, each at most once:\n"
    "      --b4 ADDR[/LEN]       bindings of B4s at this IPv6 address or in this prefix\n"
    "      --protocol P          tcp, udp or icmp\n"
    "      --public ADDR         bindings on this public IPv4 address\n"
    "  subscribers             each subscriber: its softwires (B4 addresses), public address,\n"
    "                          binding count and ports in use per protocol (b4s: the same)\n"
    "  whois ADDR:PORT         who has this public IPv4 address and port: the subscriber under\n"
    "                          --port-mapping deterministic, the port block holding it under\n"
    "                          --port-block-size, and the live bindings on it\n"
    "  whois IPV6[/LEN]        the public address and port range of that subscriber (deterministic)\n"
    "                          or its port blocks, and the live bindings of B4s in it\n"
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
            if (command == "capture") {
                const std::vector<std::string_view> rest(argv + i + 1, argv + argc);
                return dslite::ctl::run_capture(control, rest);
            }
            if (command != "stats" && command != "bindings" && command != "subscribers" && command != "whois")
                return usage_error("unknown command '" + std::string(arg) +
                                   "' (stats, bindings, subscribers, whois or capture)");
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
    if (command.empty()) return usage_error("no command (stats, bindings, subscribers, whois or capture)");

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
