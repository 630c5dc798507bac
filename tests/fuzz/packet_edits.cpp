// SPDX-License-Identifier: BSD-2-Clause
#include "packet_edits.hpp"

#include <algorithm>
#include <cstring>

#include "dslite/checksum.hpp"
#include "dslite/wire.hpp"
#include "support/packet_decoder.hpp"

namespace dslite::fuzz {

namespace w = wire;

namespace {

bool is_icmp_error(std::uint8_t type) {
    return type == w::icmp::destination_unreachable || type == w::icmp::time_exceeded ||
           type == w::icmp::parameter_problem;
}

bool is_fragment(const std::uint8_t* ipv4) {
    return (w::load16(ipv4 + w::ipv4::flags_fragment) & (w::ipv4::flag_mf | w::ipv4::offset_mask)) != 0;
}

// IHL when it fits the bytes there are, else nothing.
std::optional<std::size_t> header_length(std::span<const std::uint8_t> ipv4) {
    if (ipv4.size() < w::ipv4::min_header_size) return std::nullopt;
    const std::size_t ihl = w::ipv4::header_length(ipv4.data());
    if (ihl < w::ipv4::min_header_size || ihl > ipv4.size()) return std::nullopt;
    return ihl;
}

void fix_header_checksum(std::span<std::uint8_t> ipv4, std::size_t ihl) {
    w::store16(&ipv4[w::ipv4::checksum], 0);
    w::store16(&ipv4[w::ipv4::checksum], checksum(ipv4.first(ihl)));
}

void fix_l4(std::span<std::uint8_t> ipv4, std::size_t ihl) {
    std::span<std::uint8_t> l4 = ipv4.subspan(ihl);
    if (l4.size() > 0xffff) return;
    const auto length = static_cast<std::uint16_t>(l4.size());
    const std::uint8_t protocol = ipv4[w::ipv4::protocol];
    const std::uint32_t pseudo =
        pseudo_header_ipv4(&ipv4[w::ipv4::source], &ipv4[w::ipv4::destination], protocol, length);
    if (protocol == w::proto_tcp && l4.size() >= w::tcp::min_header_size) {
        w::store16(&l4[w::tcp::checksum], 0);
        w::store16(&l4[w::tcp::checksum], checksum(l4, pseudo));
    } else if (protocol == w::proto_udp && l4.size() >= w::udp::header_size) {
        w::store16(&l4[w::udp::length], length);
        w::store16(&l4[w::udp::checksum], 0);
        const std::uint16_t sum = checksum(l4, pseudo);
        w::store16(&l4[w::udp::checksum], sum == 0 ? 0xffff : sum);
    } else if (protocol == w::proto_icmp && l4.size() >= w::icmp::header_size) {
        if (is_icmp_error(l4[w::icmp::type])) {
            std::span<std::uint8_t> quoted = l4.subspan(w::icmp::header_size);
            if (auto quoted_ihl = header_length(quoted)) fix_header_checksum(quoted, *quoted_ihl);
        }
        w::store16(&l4[w::icmp::checksum], 0);
        w::store16(&l4[w::icmp::checksum], checksum(l4));
    }
}

}  // namespace

void fix_ipv4(std::span<std::uint8_t> packet) {
    if (packet.size() < w::ipv4::min_header_size || packet.size() > 0xffff) return;
    packet[0] = static_cast<std::uint8_t>(0x40 | (packet[0] & 0x0f));
    if (!header_length(packet)) packet[0] = 0x45;
    const std::size_t ihl = w::ipv4::header_length(packet.data());
    w::store16(&packet[w::ipv4::total_length], static_cast<std::uint16_t>(packet.size()));
    if (!is_fragment(packet.data())) fix_l4(packet, ihl);
    fix_header_checksum(packet, ihl);
}

void fix_ipv6(std::span<std::uint8_t> packet) {
    if (packet.size() < w::ipv6::header_size) return;
    packet[0] = static_cast<std::uint8_t>(0x60 | (packet[0] & 0x0f));
    std::span<std::uint8_t> payload = packet.subspan(w::ipv6::header_size);
    if (payload.size() > 0xffff) return;
    w::store16(&packet[w::ipv6::payload_length], static_cast<std::uint16_t>(payload.size()));
    const std::uint8_t next = packet[w::ipv6::next_header];
    if (next == w::proto_ipv4) {
        fix_ipv4(payload);
    } else if (next == w::proto_icmpv6 && payload.size() >= w::icmp::header_size) {
        w::store16(&payload[w::icmp::checksum], 0);
        const std::uint32_t pseudo = pseudo_header_ipv6(&packet[w::ipv6::source], &packet[w::ipv6::destination],
                                                        w::proto_icmpv6, static_cast<std::uint32_t>(payload.size()));
        w::store16(&payload[w::icmp::checksum], checksum(payload, pseudo));
    }
}

void aim_from_b4(std::span<std::uint8_t> packet, const BindingInfo& binding, const Ipv6Address& aftr) {
    if (packet.size() < w::ipv6::header_size) return;
    std::memcpy(&packet[w::ipv6::source], binding.b4.data(), binding.b4.size());
    std::memcpy(&packet[w::ipv6::destination], aftr.data(), aftr.size());
    if (packet[w::ipv6::next_header] != w::proto_ipv4) return;
    std::span<std::uint8_t> inner = packet.subspan(w::ipv6::header_size);
    auto ihl = header_length(inner);
    if (!ihl) return;
    w::store32(&inner[w::ipv4::source], binding.inner_address.value);
    std::span<std::uint8_t> l4 = inner.subspan(*ihl);
    const std::uint8_t protocol = inner[w::ipv4::protocol];
    if ((protocol == w::proto_tcp || protocol == w::proto_udp) && l4.size() >= 4) {
        w::store16(&l4[w::l4::source_port], binding.inner_port);
    } else if (protocol == w::proto_icmp && l4.size() >= w::icmp::header_size &&
               l4[w::icmp::type] == w::icmp::echo_request) {
        w::store16(&l4[w::icmp::identifier], binding.inner_port);
    }
}

void aim_from_uplink(std::span<std::uint8_t> packet, const BindingInfo& binding) {
    auto ihl = header_length(packet);
    if (!ihl) return;
    w::store32(&packet[w::ipv4::destination], binding.public_address.value);
    std::span<std::uint8_t> l4 = packet.subspan(*ihl);
    const std::uint8_t protocol = packet[w::ipv4::protocol];
    if ((protocol == w::proto_tcp || protocol == w::proto_udp) && l4.size() >= 4) {
        w::store16(&l4[w::l4::destination_port], binding.public_port);
    } else if (protocol == w::proto_icmp && l4.size() >= w::icmp::header_size) {
        if (l4[w::icmp::type] == w::icmp::echo_reply) {
            w::store16(&l4[w::icmp::identifier], binding.public_port);
        } else if (is_icmp_error(l4[w::icmp::type])) {
            // An error about a packet the binding sent: the quote starts with it.
            std::span<std::uint8_t> quoted = l4.subspan(w::icmp::header_size);
            auto quoted_ihl = header_length(quoted);
            if (!quoted_ihl) return;
            w::store32(&quoted[w::ipv4::source], binding.public_address.value);
            quoted[w::ipv4::protocol] = static_cast<std::uint8_t>(binding.protocol);
            std::span<std::uint8_t> quoted_l4 = quoted.subspan(*quoted_ihl);
            if (binding.protocol == Protocol::icmp && quoted_l4.size() >= w::icmp::header_size) {
                quoted_l4[w::icmp::type] = w::icmp::echo_request;
                w::store16(&quoted_l4[w::icmp::identifier], binding.public_port);
            } else if (binding.protocol != Protocol::icmp && quoted_l4.size() >= 4) {
                w::store16(&quoted_l4[w::l4::source_port], binding.public_port);
            }
        }
    }
}

bool make_reply(std::span<std::uint8_t> packet) {
    auto ihl = header_length(packet);
    if (!ihl || is_fragment(packet.data())) return false;
    std::array<std::uint8_t, 4> address;
    std::memcpy(address.data(), &packet[w::ipv4::source], 4);
    std::memmove(&packet[w::ipv4::source], &packet[w::ipv4::destination], 4);
    std::memcpy(&packet[w::ipv4::destination], address.data(), 4);
    packet[w::ipv4::ttl] = 64;
    std::span<std::uint8_t> l4 = packet.subspan(*ihl);
    const std::uint8_t protocol = packet[w::ipv4::protocol];
    if (protocol == w::proto_tcp || protocol == w::proto_udp) {
        if (l4.size() < 4) return false;
        std::swap_ranges(&l4[0], &l4[2], &l4[2]);
        if (protocol == w::proto_tcp && l4.size() >= w::tcp::min_header_size) {
            std::uint8_t& flags = l4[w::tcp::flags];
            if (flags & (w::tcp::syn | w::tcp::fin)) {
                w::store32(&l4[8], w::load32(&l4[4]) + 1);  // ack = their seq + 1
                flags = static_cast<std::uint8_t>((flags & (w::tcp::syn | w::tcp::fin)) | w::tcp::ack);
            }
        }
    } else if (protocol == w::proto_icmp) {
        if (l4.size() < w::icmp::header_size || l4[w::icmp::type] != w::icmp::echo_request) return false;
        l4[w::icmp::type] = w::icmp::echo_reply;
    } else {
        return false;
    }
    fix_ipv4(packet);
    return true;
}

bool valid_ipv4(std::span<const std::uint8_t> packet) {
    auto ihl = header_length(packet);
    return ihl && packet[0] >> 4 == 4 && w::load16(&packet[w::ipv4::total_length]) == packet.size() &&
           checksum(packet.first(*ihl)) == 0;
}

std::optional<bool> l4_checksum_ok(std::span<const std::uint8_t> packet) {
    // decode()'s verdict without decoding (PacketDecoder.L4ChecksumAgreesWithDecode).
    return test::l4_checksum_verdict(packet);
}

}  // namespace dslite::fuzz
