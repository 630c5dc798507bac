// SPDX-License-Identifier: BSD-2-Clause
#include "softwire.hpp"

#include <cstring>

#include "dslite/wire.hpp"

namespace dslite {

using namespace wire;

namespace {

// RFC 8200 4.2: an unknown option whose type's top two bits are 00 is
// skipped; any other unknown option means the packet is not for us to pass.
bool options_acceptable(const std::uint8_t* opt, std::size_t length) {
    std::size_t i = 2;
    while (i < length) {
        const std::uint8_t type = opt[i];
        if (type == 0) {  // Pad1
            ++i;
            continue;
        }
        if (i + 2 > length || i + 2 + opt[i + 1] > length) return false;
        const bool known = type == 1 /* PadN */ || type == 4 /* Tunnel Encapsulation Limit */;
        if (!known && (type >> 6) != 0) return false;
        i += 2 + opt[i + 1];
    }
    return true;
}

SoftwireHeader fail(Counter c) { return {c, false, 0, 0}; }

}  // namespace

SoftwireHeader parse_softwire(Packet& packet) {
    const std::uint8_t* p = packet.data();
    if (packet.size() > 0 && p[0] >> 4 != 6) return fail(Counter::drop_b4_not_ipv6);
    if (packet.size() < ipv6::header_size) return fail(Counter::drop_b4_truncated);
    const std::size_t total = ipv6::header_size + load16(p + ipv6::payload_length);
    // Payload length 0 would mean a jumbogram (RFC 2675), which no B4 sends.
    if (total == ipv6::header_size || total > packet.size()) return fail(Counter::drop_b4_truncated);
    packet.resize(total);

    std::uint8_t next = p[ipv6::next_header];
    std::size_t offset = ipv6::header_size;
    for (int headers = 0; headers < 8; ++headers) {
        if (next == proto_ipv4 || next == proto_icmpv6 || next == proto_fragment)
            return {Counter::drop_b4_next_header, true, next, offset};
        const bool options = next == proto_destination_options || (next == proto_hop_by_hop && headers == 0);
        if (!options)
            return fail(next == proto_hop_by_hop ? Counter::drop_b4_ext_header : Counter::drop_b4_next_header);
        if (offset + 2 > total) return fail(Counter::drop_b4_truncated);
        const std::size_t length = (std::size_t{p[offset + 1]} + 1) * 8;
        if (offset + length > total) return fail(Counter::drop_b4_truncated);
        if (!options_acceptable(p + offset, length)) return fail(Counter::drop_b4_ext_header);
        next = p[offset];
        offset += length;
    }
    return fail(Counter::drop_b4_ext_header);
}

bool encapsulate(Packet& packet, const Ipv6Address& aftr, const Ipv6Address& b4, std::uint8_t traffic_class) {
    const std::size_t payload = packet.size();
    if (!packet.push_front(ipv6::header_size)) return false;
    std::uint8_t* h = packet.data();
    store32(h, 0x60000000u | std::uint32_t{traffic_class} << 20);
    store16(h + ipv6::payload_length, static_cast<std::uint16_t>(payload));
    h[ipv6::next_header] = proto_ipv4;
    h[ipv6::hop_limit] = kOuterHopLimit;
    std::memcpy(h + ipv6::source, aftr.data(), 16);
    std::memcpy(h + ipv6::destination, b4.data(), 16);
    return true;
}

}  // namespace dslite
