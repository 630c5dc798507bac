// SPDX-License-Identifier: BSD-2-Clause
#include "capture_filter.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "control_commands.hpp"
#include "dslite/engine_options.hpp"
#include "dslite/wire.hpp"

namespace dslite::daemon {

namespace {

namespace w = dslite::wire;

Ipv6Address ipv6_at(const std::uint8_t* p) {
    Ipv6Address a;
    std::memcpy(a.data(), p, a.size());
    return a;
}

// The ports (or the ICMP echo identifier, both ends) of an IPv4 packet, when it shows them.
std::optional<std::pair<std::uint16_t, std::uint16_t>> ports_of(std::span<const std::uint8_t> ip) {
    const std::size_t header = w::ipv4::header_length(ip.data());
    if ((w::load16(ip.data() + w::ipv4::flags_fragment) & w::ipv4::offset_mask) != 0) return std::nullopt;
    if (header < w::ipv4::min_header_size || ip.size() < header + 8) return std::nullopt;
    const std::uint8_t* l4 = ip.data() + header;
    switch (ip[w::ipv4::protocol]) {
    case w::proto_tcp:
    case w::proto_udp: return std::pair{w::load16(l4 + w::l4::source_port), w::load16(l4 + w::l4::destination_port)};
    case w::proto_icmp:
        if (l4[w::icmp::type] != w::icmp::echo_request && l4[w::icmp::type] != w::icmp::echo_reply) return std::nullopt;
        return std::pair{w::load16(l4 + w::icmp::identifier), w::load16(l4 + w::icmp::identifier)};
    default: return std::nullopt;
    }
}

bool ipv4_meets(const CaptureFilter& f, std::span<const std::uint8_t> ip) {
    if (ip.size() < w::ipv4::min_header_size || (ip[0] >> 4) != 4) return false;
    const Ipv4Address source{w::load32(ip.data() + w::ipv4::source)};
    const Ipv4Address destination{w::load32(ip.data() + w::ipv4::destination)};
    if (source != *f.public_address && destination != *f.public_address) return false;
    if (!f.public_port) return true;
    const auto ports = ports_of(ip);
    if (!ports) return false;
    return (source == *f.public_address && ports->first == *f.public_port) ||
           (destination == *f.public_address && ports->second == *f.public_port);
}

}  // namespace

unsigned CaptureFilter::met(std::span<const std::uint8_t> packet) const {
    if (packet.empty()) return 0;
    const unsigned version = packet[0] >> 4;
    unsigned bits = 0;
    if (version == 6 && packet.size() >= w::ipv6::header_size) {
        if (b4 && (b4->contains(ipv6_at(packet.data() + w::ipv6::source)) ||
                   b4->contains(ipv6_at(packet.data() + w::ipv6::destination))))
            bits |= kB4;
        if (public_address && packet[w::ipv6::next_header] == w::proto_ipv4 &&
            ipv4_meets(*this, packet.subspan(w::ipv6::header_size)))
            bits |= kPublic;
    } else if (version == 4 && public_address && ipv4_meets(*this, packet)) {
        bits |= kPublic;
    }
    return bits;
}

std::variant<CaptureRequest, std::string> parse_capture_request(std::span<const std::string_view> args) {
    CaptureRequest request;
    std::vector<std::string_view> seen;
    for (std::size_t i = 0; i < args.size(); i += 2) {
        const std::string_view name = args[i];
        if (name != "--b4" && name != "--public" && name != "--count" && name != "--snaplen")
            return in_quotes(name) + " is not a capture option (--b4, --public, --count, --snaplen)";
        if (std::find(seen.begin(), seen.end(), name) != seen.end()) return std::string(name) + ": given twice";
        seen.push_back(name);
        if (i + 1 >= args.size()) return std::string(name) + ": needs a value";
        const std::string_view value = args[i + 1];
        const std::string where = std::string(name) + ": " + in_quotes(value);
        if (name == "--b4") {
            request.filter.b4 = parse_ipv6_prefix(value);
            if (!request.filter.b4) return where + " is not an IPv6 address or prefix";
        } else if (name == "--public") {
            const auto colon = value.find(':');
            request.filter.public_address = parse_ipv4(value.substr(0, colon));
            if (!request.filter.public_address) return where + " is not an IPv4 address or ADDR:PORT";
            if (colon != std::string_view::npos) {
                const auto port = parse_unsigned(value.substr(colon + 1));
                if (!port || *port == 0 || *port > 65535) return where + " has no port 1-65535 after the colon";
                request.filter.public_port = static_cast<std::uint16_t>(*port);
            }
        } else if (name == "--count") {
            const auto count = parse_unsigned(value);
            if (!count || *count == 0) return where + " is not a count of packets (1 or more)";
            request.count = *count;
        } else {
            const auto snaplen = parse_unsigned(value);
            if (!snaplen || *snaplen == 0 || *snaplen > 65535) return where + " is not a length of 1-65535 bytes";
            request.snaplen = static_cast<std::uint32_t>(*snaplen);
        }
    }
    return request;
}

bool is_capture_line(std::string_view line) {
    const auto w = request_words(line);
    return !w.empty() && w[0] == "capture";
}

std::variant<CaptureRequest, std::string> parse_capture_line(std::string_view line) {
    const auto w = request_words(line);
    if (w.empty() || w[0] != "capture") return std::string("not a capture request");
    return parse_capture_request(std::span(w).subspan(1));
}

}  // namespace dslite::daemon
