#include "ipv4.hpp"

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

TransportError parse_transport(const std::uint8_t* ip, std::size_t length, Transport& t) {
    t.offset = ipv4::header_length(ip);
    const std::uint8_t* l4 = ip + t.offset;
    const std::size_t available = length - t.offset;
    switch (ip[ipv4::protocol]) {
    case proto_tcp:
        if (available < tcp::min_header_size) return TransportError::truncated;
        t.proto = Protocol::tcp;
        t.tcp_flags = l4[tcp::flags];
        break;
    case proto_udp:
        if (available < udp::header_size) return TransportError::truncated;
        t.proto = Protocol::udp;
        t.tcp_flags = 0;
        break;
    case proto_icmp:
        if (available < icmp::header_size) return TransportError::truncated;
        t.proto = Protocol::icmp;
        t.icmp_type = l4[icmp::type];
        t.source = t.destination = load16(l4 + icmp::identifier);
        return TransportError::none;
    default: return TransportError::protocol;
    }
    t.source = load16(l4 + l4::source_port);
    t.destination = load16(l4 + l4::destination_port);
    return TransportError::none;
}

TransportError parse_quoted_transport(const std::uint8_t* ip, std::size_t length, Transport& t) {
    t.offset = ipv4::header_length(ip);
    if (t.offset < ipv4::min_header_size || t.offset + icmp::header_size > length) return TransportError::truncated;
    const std::uint8_t* l4 = ip + t.offset;
    t.tcp_flags = 0;
    switch (ip[ipv4::protocol]) {
    case proto_tcp: t.proto = Protocol::tcp; break;
    case proto_udp: t.proto = Protocol::udp; break;
    case proto_icmp:
        t.proto = Protocol::icmp;
        t.icmp_type = l4[icmp::type];
        t.source = t.destination = load16(l4 + icmp::identifier);
        return TransportError::none;
    default: return TransportError::protocol;
    }
    t.source = load16(l4 + l4::source_port);
    t.destination = load16(l4 + l4::destination_port);
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
