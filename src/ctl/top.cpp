// SPDX-License-Identifier: BSD-2-Clause
#include "top.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string_view>

#include "tables.hpp"

namespace dslite::ctl {

namespace {

double number(const JsonValue& v) { return v.text.empty() ? 0 : std::strtod(v.text.c_str(), nullptr); }

// Per second from `a` to `b`; a counter that went down started again.
double per_second(double a, double b, double seconds) { return b < a ? 0 : (b - a) / seconds; }

struct DeviceTotals {
    double rx_packets = 0, rx_bytes = 0, tx_packets = 0, tx_bytes = 0;
};

std::map<std::string, DeviceTotals> by_side(const JsonValue& stats) {
    std::map<std::string, DeviceTotals> out;
    for (const JsonValue& d : stats["devices"].items) {
        DeviceTotals& t = out[d["side"].text];
        t.rx_packets += number(d["rx_packets"]);
        t.rx_bytes += number(d["rx_bytes"]);
        t.tx_packets += number(d["tx_packets"]);
        t.tx_bytes += number(d["tx_bytes"]);
    }
    return out;
}

std::string uptime(const JsonValue& v) {
    const auto s = static_cast<unsigned long long>(number(v));
    char text[40];
    if (s >= 86400)
        std::snprintf(text, sizeof text, "%llud%02lluh%02llum", s / 86400, s / 3600 % 24, s / 60 % 60);
    else if (s >= 3600)
        std::snprintf(text, sizeof text, "%lluh%02llum%02llus", s / 3600, s / 60 % 60, s % 60);
    else if (s >= 60)
        std::snprintf(text, sizeof text, "%llum%02llus", s / 60, s % 60);
    else
        std::snprintf(text, sizeof text, "%llus", s);
    return text;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto end = text.find('\n', start);
        out.push_back(text.substr(start, end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

// A titled table of at most `rows` rows (the title and column names extra);
// `empty` in place of the column names when there is no row at all.
std::vector<std::string> section(const std::string& title, const std::vector<std::string>& header,
                                 std::vector<std::vector<std::string>> rows, std::size_t at_most, const char* empty) {
    if (rows.empty()) return {title + ": " + empty};
    if (rows.size() > at_most) rows.resize(at_most);
    std::vector<std::string> out{title};
    for (auto& line : split_lines(format_table(header, rows))) out.push_back(std::move(line));
    return out;
}

std::vector<std::vector<std::string>> ranking_rows(const JsonValue& ranking, bool by_packets) {
    std::vector<std::vector<std::string>> rows;
    for (const JsonValue& s : ranking.items) {
        const std::string packets = human(number(s["pps_from_b4"]) + number(s["pps_to_b4"]));
        if (by_packets)
            rows.push_back({s["prefix"].text, s["public_address"].text, human(number(s["pps_from_b4"])),
                            human(number(s["pps_to_b4"])), s["bindings"].text});
        else
            rows.push_back({s["prefix"].text, s["public_address"].text, s["bindings"].text, s["tcp"].text,
                            s["udp"].text, s["icmp"].text, packets});
    }
    return rows;
}

}  // namespace

std::string human(double value) {
    char text[32];
    if (value < 9999.5) {
        std::snprintf(text, sizeof text, "%.0f", value);
        return text;
    }
    static constexpr std::array<const char*, 4> kUnits{"k", "M", "G", "T"};
    std::size_t unit = 0;
    value /= 1000;
    while (value >= 999.5 && unit + 1 < kUnits.size()) {
        value /= 1000;
        ++unit;
    }
    std::snprintf(text, sizeof text,
                  value < 9.995   ? "%.2f%s"
                  : value < 99.95 ? "%.1f%s"
                                  : "%.0f%s",
                  value, kUnits[unit]);
    return text;
}

Rates rates_between(const Sample& before, const Sample& after) {
    Rates rates;
    const double seconds = after.seconds - before.seconds;
    if (!(seconds > 0)) return rates;
    const auto was = by_side(before.stats);
    const auto sides = by_side(after.stats);
    for (const char* name : {"b4", "uplink", "both"}) {
        const auto now = sides.find(name);
        if (now == sides.end()) continue;
        const auto then = was.find(name);
        const DeviceTotals old = then == was.end() ? DeviceTotals{} : then->second;
        const DeviceTotals& t = now->second;
        rates.sides.push_back(
            {name, per_second(old.rx_packets, t.rx_packets, seconds), per_second(old.rx_bytes, t.rx_bytes, seconds) * 8,
             per_second(old.tx_packets, t.tx_packets, seconds), per_second(old.tx_bytes, t.tx_bytes, seconds) * 8});
    }
    const JsonValue& counters = after.stats["counters"];
    for (std::size_t i = 0; i < counters.keys.size(); ++i) {
        const std::string& key = counters.keys[i];
        if (!key.starts_with("drop_")) continue;
        const double rate = per_second(number(before.stats["counters"][key]), number(counters.items[i]), seconds);
        if (rate > 0) rates.drops.push_back({key.substr(5), rate});
    }
    std::sort(rates.drops.begin(), rates.drops.end(), [](const Rates::Drop& a, const Rates::Drop& b) {
        return a.per_second != b.per_second ? a.per_second > b.per_second : a.reason < b.reason;
    });
    return rates;
}

std::vector<std::string> render_top(const Sample& now, const Rates* rates, std::size_t width, std::size_t height) {
    const JsonValue& stats = now.stats;
    const JsonValue& protocols = now.top["bindings_by_protocol"];
    std::string header = "dslite-aftr up " + uptime(stats["uptime_seconds"]) + "  bindings " + stats["bindings"].text;
    if (protocols.kind == JsonValue::Kind::object)
        header += " (tcp " + protocols["tcp"].text + ", udp " + protocols["udp"].text + ", icmp " +
                  protocols["icmp"].text + ")";
    header += "  subscribers " + stats["subscribers"].text;
    const std::string& threads = stats["threads"].text;
    if (!threads.empty()) header += "  threads " + threads;
    header += "  (q quits)";

    // The sides: the rates, or the devices the daemon has with "-" for each.
    std::vector<std::vector<std::string>> side_rows;
    if (rates) {
        for (const Rates::Side& s : rates->sides)
            side_rows.push_back(
                {s.name, human(s.in_packets), human(s.in_bits), human(s.out_packets), human(s.out_bits)});
    } else {
        for (const auto& [side, totals] : by_side(stats)) side_rows.push_back({side, "-", "-", "-", "-"});
    }
    std::vector<std::string> sides;
    for (auto& line : split_lines(format_table({"SIDE", "IN pkt/s", "IN bit/s", "OUT pkt/s", "OUT bit/s"}, side_rows)))
        sides.push_back(std::move(line));

    std::vector<std::vector<std::string>> drop_rows;
    if (rates)
        for (const Rates::Drop& d : rates->drops) drop_rows.push_back({human(d.per_second), d.reason});

    const auto packet_rows = ranking_rows(now.top["by_packets"], true);
    const auto binding_rows = ranking_rows(now.top["by_bindings"], false);

    // Height: the header and the sides always; the drops at least a quarter
    // of what is left (at least one line), more when the rankings need less;
    // the two rankings share the rest.
    std::vector<std::string> lines{header, ""};
    lines.insert(lines.end(), sides.begin(), sides.end());
    lines.push_back("");
    const std::size_t fixed = lines.size();
    const std::size_t left = height > fixed ? height - fixed : 0;
    const auto table_lines = [](std::size_t rows) { return rows == 0 ? 1 : rows + 2; };
    const std::size_t rankings_need = table_lines(packet_rows.size()) + 1 + table_lines(binding_rows.size()) + 1;
    const std::size_t drop_room = std::max({std::size_t{3}, left / 4, left > rankings_need ? left - rankings_need : 0});
    const auto drops = section("DROPS", {"PER SECOND", "REASON"}, drop_rows, drop_room - 2, rates ? "none" : "-");
    lines.insert(lines.end(), drops.begin(), drops.end());
    lines.push_back("");
    const std::size_t used = lines.size();
    const std::size_t rest = height > used ? height - used : 0;
    // Each ranking: a title and column names, its rows, a blank line between.
    const std::size_t each = std::max<std::size_t>(rest > 5 ? (rest - 5) / 2 : 0, 1);
    const auto by_packets = section("BUSIEST BY PACKETS (last second)",
                                    {"SUBSCRIBER", "PUBLIC", "FROM B4 pkt/s", "TO B4 pkt/s", "BINDINGS"}, packet_rows,
                                    packet_rows.size() < each ? packet_rows.size() : each, "none");
    // What the first ranking did not use is the second's.
    const std::size_t second = rest > by_packets.size() + 3 ? rest - by_packets.size() - 3 : 1;
    const auto by_bindings =
        section("BUSIEST BY BINDINGS", {"SUBSCRIBER", "PUBLIC", "BINDINGS", "TCP", "UDP", "ICMP", "pkt/s"},
                binding_rows, second, "none");
    lines.insert(lines.end(), by_packets.begin(), by_packets.end());
    lines.push_back("");
    lines.insert(lines.end(), by_bindings.begin(), by_bindings.end());

    while (!lines.empty() && lines.back().empty()) lines.pop_back();
    if (lines.size() > height) lines.resize(height);
    for (std::string& line : lines)
        if (line.size() > width) line.resize(width);
    return lines;
}

std::variant<TopOptions, std::string> parse_top_options(std::span<const char* const> args) {
    TopOptions options;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        if ((arg == "--interval" || arg == "--count") && i + 1 >= args.size())
            return std::string(arg) + " needs a value";
        if (arg == "--interval") {
            char* end = nullptr;
            options.interval = std::strtod(args[++i], &end);
            if (*end != '\0' || !(options.interval >= 0.1) || options.interval > 3600)
                return "--interval: '" + std::string(args[i]) + "' is not a number of seconds from 0.1 to 3600";
        } else if (arg == "--count") {
            char* end = nullptr;
            const unsigned long n = std::strtoul(args[++i], &end, 10);
            if (*end != '\0' || n == 0 || args[i][0] == '-')
                return "--count: '" + std::string(args[i]) + "' is not a number of frames above 0";
            options.count = n;
        } else {
            return "top: unknown option '" + std::string(arg) + "' (--interval, --count)";
        }
    }
    return options;
}

}  // namespace dslite::ctl
