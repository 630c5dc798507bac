// SPDX-License-Identifier: BSD-2-Clause
// Finds the IP packet inside a captured frame, for the link types replay
// captures come in: raw IP, Ethernet (optionally one VLAN tag) and Linux
// "cooked" captures (tcpdump -i any).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace dslite {

// True if frames of this libpcap link type (pcap_datalink) can be decoded.
bool supported_link_type(int link_type);

// The IPv4 or IPv6 packet carried by `frame`, or nothing for frames that carry
// something else (ARP, LLDP, ...) or are too short to tell.
std::optional<std::span<const std::uint8_t>> ip_packet(int link_type, std::span<const std::uint8_t> frame);

}  // namespace dslite
