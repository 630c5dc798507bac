// SPDX-License-Identifier: BSD-2-Clause
#include "icmp_builder.hpp"

#include <algorithm>
#include <cstring>

#include "dslite/checksum.hpp"
#include "dslite/wire.hpp"

namespace dslite {

using namespace wire;

namespace {

constexpr std::size_t kErrorHeaders = ipv4::min_header_size + icmp::header_size;
constexpr std::size_t kMaxErrorSize = 576;
constexpr std::uint8_t kTtl = 64;

void write_ipv4_header(std::uint8_t* ip, std::size_t total, std::uint16_t identification, std::uint32_t source,
                       std::uint32_t destination) {
    ip[0] = 0x45;
    ip[ipv4::tos] = 0;
    store16(ip + ipv4::total_length, static_cast<std::uint16_t>(total));
    store16(ip + ipv4::identification, identification);
    store16(ip + ipv4::flags_fragment, 0);
    ip[ipv4::ttl] = kTtl;
    ip[ipv4::protocol] = proto_icmp;
    store16(ip + ipv4::checksum, 0);
    store32(ip + ipv4::source, source);
    store32(ip + ipv4::destination, destination);
    store16(ip + ipv4::checksum, checksum({ip, ipv4::min_header_size}));
}

}  // namespace

bool make_icmpv4_error(Packet& packet, std::uint8_t type, std::uint8_t code, std::uint32_t source,
                       std::uint16_t identification, std::uint16_t mtu) {
    const std::uint32_t destination = load32(packet.data() + ipv4::source);
    const std::size_t quoted = std::min(packet.size(), kMaxErrorSize - kErrorHeaders);
    if (!packet.push_front(kErrorHeaders)) return false;
    packet.resize(kErrorHeaders + quoted);
    std::uint8_t* ip = packet.data();
    write_ipv4_header(ip, packet.size(), identification, source, destination);
    std::uint8_t* msg = ip + ipv4::min_header_size;
    msg[icmp::type] = type;
    msg[icmp::code] = code;
    store16(msg + icmp::checksum, 0);
    store16(msg + icmp::identifier, 0);
    store16(msg + icmp::mtu, mtu);
    store16(msg + icmp::checksum, checksum({msg, icmp::header_size + quoted}));
    return true;
}

void make_icmpv4_echo_reply(Packet& packet, std::uint16_t identification) {
    std::uint8_t* ip = packet.data();
    const std::size_t ihl = ipv4::header_length(ip);
    const std::uint32_t requester = load32(ip + ipv4::source);
    const std::uint32_t self = load32(ip + ipv4::destination);
    // Options of the request are not echoed back: rebuild a plain header.
    std::memmove(ip + ipv4::min_header_size, ip + ihl, packet.size() - ihl);
    packet.resize(packet.size() - (ihl - ipv4::min_header_size));
    write_ipv4_header(ip, packet.size(), identification, self, requester);
    std::uint8_t* msg = ip + ipv4::min_header_size;
    const std::uint16_t old_word = load16(msg);
    msg[icmp::type] = icmp::echo_reply;
    msg[icmp::code] = 0;
    store16(msg + icmp::checksum, checksum_update16(load16(msg + icmp::checksum), old_word, load16(msg)));
}

void make_icmpv6_echo_reply(Packet& packet) {
    std::uint8_t* h = packet.data();
    std::uint8_t requester[16];
    std::memcpy(requester, h + ipv6::source, 16);
    std::memcpy(h + ipv6::source, h + ipv6::destination, 16);
    std::memcpy(h + ipv6::destination, requester, 16);
    h[ipv6::hop_limit] = 64;
    // Swapping the addresses leaves the pseudo-header sum unchanged.
    std::uint8_t* msg = h + ipv6::header_size;
    const std::uint16_t old_word = load16(msg);
    msg[icmp::type] = icmp::v6_echo_reply;
    msg[icmp::code] = 0;
    store16(msg + icmp::checksum, checksum_update16(load16(msg + icmp::checksum), old_word, load16(msg)));
}

}  // namespace dslite
