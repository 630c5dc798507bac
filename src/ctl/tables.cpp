// SPDX-License-Identifier: BSD-2-Clause
#include "tables.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <tuple>

#include "dslite/address.hpp"

namespace dslite::ctl {

namespace {

// Addresses as numbers, so that 2001:db8:a::10 follows 2001:db8:a::9; text
// that is no address sorts first.
Ipv6Address address_key(const std::string& text) { return parse_ipv6(text).value_or(Ipv6Address{}); }

// "ADDR:PORT" as (address, port).
std::pair<std::uint32_t, std::uint32_t> endpoint_key(const std::string& text) {
    const auto colon = text.rfind(':');
    const auto address = parse_ipv4(text.substr(0, colon == std::string::npos ? text.size() : colon));
    std::uint32_t port = 0;
    if (colon != std::string::npos)
        port = static_cast<std::uint32_t>(std::strtoul(text.c_str() + colon + 1, nullptr, 10));
    return {address ? address->value : 0, port};
}

// The daemon writes its tables in the order it walks them (in pieces, so as
// not to stall forwarding); people read them sorted.
template <typename Key>
std::vector<const JsonValue*> sorted(const JsonValue& rows, Key key) {
    std::vector<const JsonValue*> out;
    for (const JsonValue& row : rows.items) out.push_back(&row);
    std::stable_sort(out.begin(), out.end(), [&](const JsonValue* a, const JsonValue* b) { return key(*a) < key(*b); });
    return out;
}

std::string join(const JsonValue& list, const char* separator) {
    std::string out;
    for (const auto& item : list.items) out += (out.empty() ? "" : separator) + item.text;
    return out;
}

std::string seconds(const JsonValue& v) { return v.text.empty() ? "" : v.text + "s"; }

std::string count_line(const JsonValue& answer, const char* one, const char* many) {
    const std::string& n = answer["count"].text;
    return n + " " + (n == "1" ? one : many) + "\n";
}

}  // namespace

std::string format_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> width(header.size());
    for (std::size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
    for (const auto& row : rows)
        for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], row[c].size());

    std::string out;
    const auto line = [&](const std::vector<std::string>& cells) {
        std::string text;
        for (std::size_t c = 0; c < cells.size() && c < width.size(); ++c) {
            text += cells[c];
            if (c + 1 < cells.size()) text += std::string(width[c] - cells[c].size() + 2, ' ');
        }
        text.erase(text.find_last_not_of(' ') + 1);
        out += text + '\n';
    };
    line(header);
    for (const auto& row : rows) line(row);
    return out;
}

std::string stats_table(const JsonValue& answer) {
    std::string out = "uptime " + answer["uptime_seconds"].text + "s, " + answer["bindings"].text + " bindings, " +
                      answer["subscribers"].text + " subscribers";
    const std::string& refused_b4 = answer["b4_write_refused"].text;
    const std::string& refused_uplink = answer["uplink_write_refused"].text;
    if (refused_b4 != "0" || refused_uplink != "0")
        out += ", devices refused " + refused_b4 + " packets to B4s and " + refused_uplink + " to the uplink";
    // One engine (or a daemon older than --threads) says nothing of threads.
    const std::string& threads = answer["threads"].text;
    if (!threads.empty() && threads != "1") {
        out += ", " + threads + " threads (" + answer["handoffs"].text + " packets handed between them";
        const std::string& lost = answer["handoffs_refused"].text;
        out += lost == "0" ? ")" : ", " + lost + " lost to full rings)";
    }
    // A capture running (older daemons send neither).
    const std::string& captured = answer["capture_packets"].text;
    const std::string& dropped = answer["capture_dropped"].text;
    if ((!captured.empty() && captured != "0") || (!dropped.empty() && dropped != "0"))
        out += ", capturing (" + captured + " packets, " + dropped + " dropped by the capture ring)";
    out += "\n\n";
    std::vector<std::vector<std::string>> rows;
    const JsonValue& counters = answer["counters"];
    for (std::size_t i = 0; i < counters.keys.size(); ++i) rows.push_back({counters.keys[i], counters.items[i].text});
    out += format_table({"COUNTER", "VALUE"}, rows);
    // Older daemons send no devices.
    const JsonValue& devices = answer["devices"];
    if (devices.items.empty()) return out;
    std::vector<std::vector<std::string>> device_rows;
    for (const JsonValue& d : devices.items) {
        device_rows.push_back({d["side"].text, d["name"].text, d["rx_packets"].text, d["rx_super_packets"].text,
                               d["rx_errors"].text + "/" + d["rx_malformed"].text, d["tx_packets"].text,
                               d["tx_super_packets"].text, d["tx_errors"].text + "/" + d["tx_dropped"].text});
    }
    return out + "\n" +
           format_table({"SIDE", "DEVICE", "RX", "RX_SUPER", "RX_ERR/BAD", "TX", "TX_SUPER", "TX_ERR/DROP"},
                        device_rows);
}

std::string bindings_table(const JsonValue& answer) {
    std::vector<std::vector<std::string>> rows;
    for (const JsonValue* row : sorted(answer["bindings"], [](const JsonValue& s) {
             return std::tuple(address_key(s["b4"].text), s["protocol"].text, endpoint_key(s["inside"].text));
         })) {
        const JsonValue& s = *row;
        rows.push_back({s["b4"].text, s["protocol"].text, s["inside"].text, s["public"].text, s["state"].text,
                        seconds(s["idle_seconds"]),
                        s.has("static") ? std::string("never") : seconds(s["expires_seconds"])});
    }
    return format_table({"B4", "PROTO", "INSIDE", "PUBLIC", "STATE", "IDLE", "EXPIRES"}, rows) +
           count_line(answer, "binding", "bindings");
}

std::string whois_table(const JsonValue& answer) {
    std::string out;
    if (answer.has("subscriber")) {
        out = format_table({"SUBSCRIBER", "PUBLIC", "PORTS"},
                           {{answer["subscriber"].text, answer["public_address"].text, answer["ports"].text}});
    } else if (answer["mapping"].text == "deterministic") {
        out = "no subscriber has that under the deterministic mapping\n";
    } else if (answer["mapping"].text == "port-blocks") {
        std::vector<std::vector<std::string>> rows;
        for (const JsonValue& b : answer["blocks"].items) {
            const std::string& release = b["release_seconds"].text;
            rows.push_back({b["subscriber"].text, b["b4"].text, b["public_address"].text, b["ports"].text,
                            b["bindings"].text, release == "0" ? "-" : release + "s"});
        }
        out = rows.empty() ? "no port block holds that now (earlier ones are in the binding log)\n"
                           : format_table({"SUBSCRIBER", "B4", "PUBLIC", "PORTS", "BINDINGS", "RELEASE"}, rows);
    } else {
        out = "dynamic port mapping: the live bindings only (earlier ones are in the binding log)\n";
    }
    if (answer["bindings"].items.empty()) return out + "no live binding\n";
    return out + bindings_table(answer);
}

std::string subscribers_table(const JsonValue& answer) {
    std::vector<std::vector<std::string>> rows;
    for (const JsonValue* row : sorted(answer["subscribers"], [](const JsonValue& b) {
             const auto slash = b["prefix"].text.find('/');
             return std::pair(address_key(b["prefix"].text.substr(0, slash)), b["prefix"].text.substr(slash + 1));
         })) {
        const JsonValue& b = *row;
        rows.push_back({b["prefix"].text, join(b["softwires"], ","), b["public_address"].text, b["bindings"].text,
                        b["tcp_ports"].text, b["udp_ports"].text, b["icmp_ids"].text});
    }
    return format_table({"SUBSCRIBER", "SOFTWIRES", "PUBLIC", "BINDINGS", "TCP", "UDP", "ICMP"}, rows) +
           count_line(answer, "subscriber", "subscribers");
}

}  // namespace dslite::ctl
