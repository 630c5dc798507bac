// SPDX-License-Identifier: BSD-2-Clause
#include "ipv4.hpp"

#include <optional>

#include "dslite/checksum.hpp"

namespace dslite {

using namespace wire;

Ipv4Error check_ipv4(Packet& packet) {
    const std::uint8_t* ip = packet.data();
    if (packet.size() < ipv4::min_header_size) return Ipv4Error::truncated;
    if (ip[0] >> 4 != 4) return Ipv4Error::bad_version;
    const std::size_t ihl = ipv4::header_length(ip);
    const std::size_t total = load16(ip + ipv4::total_length);
    if (ihl < ipv4::min_header_size || total < ihl) return Ipv4Error::bad_header_length;
    if (total > packet.size()) return Ipv4Error::truncated;
    packet.resize(total);
    if (checksum({ip, ihl}) != 0) return Ipv4Error::bad_checksum;
    return Ipv4Error::none;
}

namespace {

// The protocol, ports or ICMP identifier and type of a transport header
// known to be long enough for them (8 bytes).
void read_ends(Protocol proto, const std::uint8_t* l4, Transport& t) {
    t.proto = proto;
    if (proto == Protocol::icmp) {
        t.icmp_type = l4[icmp::type];
        t.source = t.destination = load16(l4 + icmp::identifier);
        return;
    }
    t.source = load16(l4 + l4::source_port);
    t.destination = load16(l4 + l4::destination_port);
}

std::optional<Protocol> translated(std::uint8_t protocol) {
    switch (protocol) {
    case proto_tcp: return Protocol::tcp;
    case proto_udp: return Protocol::udp;
    case proto_icmp: return Protocol::icmp;
    default: return std::nullopt;
    }
}

}  // namespace

TransportError parse_transport(const std::uint8_t* ip, std::size_t length, Transport& t) {
    t.offset = ipv4::header_length(ip);
    const auto proto = translated(ip[ipv4::protocol]);
    if (!proto) return TransportError::protocol;
    const std::size_t need = *proto == Protocol::tcp ? tcp::min_header_size : udp::header_size;  // ICMP: 8 too
    if (length - t.offset < need) return TransportError::truncated;
    read_ends(*proto, ip + t.offset, t);
    t.tcp_flags = *proto == Protocol::tcp ? ip[t.offset + tcp::flags] : 0;
    return TransportError::none;
}

// A quote carries at least 8 bytes of the transport header (RFC 792): the
// ports or identifier, never more is needed.
TransportError parse_quoted_transport(const std::uint8_t* ip, std::size_t length, Transport& t) {
    t.offset = ipv4::header_length(ip);
    if (t.offset < ipv4::min_header_size || t.offset + icmp::header_size > length) return TransportError::truncated;
    const auto proto = translated(ip[ipv4::protocol]);
    if (!proto) return TransportError::protocol;
    read_ends(*proto, ip + t.offset, t);
    t.tcp_flags = 0;
    return TransportError::none;
}

namespace {

// Fixes the transport checksum for an address and port change. ICMP has no
// pseudo header, so only the identifier counts there.
void update_transport(std::uint8_t* ip, std::size_t length, const Transport& t, std::uint32_t old_address,
                      std::uint32_t new_address, std::uint16_t old_port, std::uint16_t new_port) {
    std::uint8_t* l4 = ip + t.offset;
    const std::size_t field = t.proto == Protocol::icmp  ? icmp::checksum
                              : t.proto == Protocol::tcp ? tcp::checksum
                                                         : udp::checksum;
    if (t.offset + field + 2 > length) return;
    std::uint16_t sum = load16(l4 + field);
    if (t.proto == Protocol::icmp) {
        store16(l4 + field, checksum_update16(sum, old_port, new_port));
        return;
    }
    // UDP checksum 0 means "none" (RFC 768): keep it that way.
    if (t.proto == Protocol::udp && sum == 0) return;
    sum = checksum_update32(sum, old_address, new_address);
    sum = checksum_update16(sum, old_port, new_port);
    if (t.proto == Protocol::udp && sum == 0) sum = 0xffff;
    store16(l4 + field, sum);
}

void rewrite(std::uint8_t* ip, std::size_t length, const Transport& t, std::size_t address_field,
             std::size_t port_field, std::uint32_t address, std::uint16_t port) {
    const std::uint32_t old_address = load32(ip + address_field);
    std::uint8_t* l4 = ip + t.offset;
    const std::size_t port_at = t.proto == Protocol::icmp ? icmp::identifier : port_field;
    const std::uint16_t old_port = load16(l4 + port_at);
    rewrite_address(ip, address_field, address);
    store16(l4 + port_at, port);
    update_transport(ip, length, t, old_address, address, old_port, port);
}

}  // namespace

void rewrite_address(std::uint8_t* ip, std::size_t field, std::uint32_t address) {
    const std::uint32_t old_address = load32(ip + field);
    store32(ip + field, address);
    store16(ip + ipv4::checksum, checksum_update32(load16(ip + ipv4::checksum), old_address, address));
}

void rewrite_source(std::uint8_t* ip, std::size_t length, const Transport& t, std::uint32_t address,
                    std::uint16_t port) {
    rewrite(ip, length, t, ipv4::source, l4::source_port, address, port);
}

void rewrite_destination(std::uint8_t* ip, std::size_t length, const Transport& t, std::uint32_t address,
                         std::uint16_t port) {
    rewrite(ip, length, t, ipv4::destination, l4::destination_port, address, port);
}

bool clamp_mss(std::uint8_t* ip, std::size_t length, const Transport& t, std::uint16_t mss) {
    std::uint8_t* l4 = ip + t.offset;
    const std::size_t header = static_cast<std::size_t>(l4[12] >> 4) * 4;
    if (header < tcp::min_header_size || t.offset + header > length) return false;
    for (std::size_t i = tcp::min_header_size; i < header;) {
        const std::uint8_t kind = l4[i];
        if (kind == tcp::option_end) break;
        if (kind == tcp::option_nop) {
            ++i;
            continue;
        }
        if (i + 1 >= header || l4[i + 1] < 2 || i + l4[i + 1] > header) break;
        if (kind == tcp::option_mss && l4[i + 1] == tcp::option_mss_length) {
            const std::uint16_t old_mss = load16(l4 + i + 2);
            if (old_mss <= mss) return false;
            store16(l4 + i + 2, mss);
            store16(l4 + tcp::checksum, checksum_update16(load16(l4 + tcp::checksum), old_mss, mss));
            return true;
        }
        i += l4[i + 1];
    }
    return false;
}

void set_identification(std::uint8_t* ip, std::uint16_t id) {
    const std::uint16_t old_id = load16(ip + ipv4::identification);
    store16(ip + ipv4::identification, id);
    store16(ip + ipv4::checksum, checksum_update16(load16(ip + ipv4::checksum), old_id, id));
}

void decrement_ttl(std::uint8_t* ip) {
    const std::uint16_t old_word = load16(ip + ipv4::ttl);
    ip[ipv4::ttl] = static_cast<std::uint8_t>(ip[ipv4::ttl] - 1);
    store16(ip + ipv4::checksum, checksum_update16(load16(ip + ipv4::checksum), old_word, load16(ip + ipv4::ttl)));
}

void set_dscp(std::uint8_t* ip, std::uint8_t dscp_bits) {
    const std::uint8_t tos = static_cast<std::uint8_t>((dscp_bits & 0xfc) | (ip[ipv4::tos] & 0x03));
    if (tos == ip[ipv4::tos]) return;
    const std::uint16_t old_word = load16(ip);
    ip[ipv4::tos] = tos;
    store16(ip + ipv4::checksum, checksum_update16(load16(ip + ipv4::checksum), old_word, load16(ip)));
}

}  // namespace dslite
