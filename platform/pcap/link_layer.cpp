// SPDX-License-Identifier: BSD-2-Clause
#include "pcap/link_layer.hpp"

#include <cstddef>

#include "dslite/wire.hpp"

namespace dslite {

namespace {

// Link types as libpcap reports them. The file format's LINKTYPE_RAW (101)
// arrives as DLT_RAW: 12 on most systems, 14 in captures from OpenBSD/BSD/OS.
constexpr int kRaw = 12;
constexpr int kRawOpenBsd = 14;
constexpr int kLinktypeRaw = 101;
constexpr int kIpv4 = 228;
constexpr int kIpv6 = 229;
constexpr int kEthernet = 1;
constexpr int kLinuxSll = 113;
constexpr int kLinuxSll2 = 276;

constexpr std::uint16_t kEthertypeIpv4 = 0x0800;
constexpr std::uint16_t kEthertypeIpv6 = 0x86dd;
constexpr std::uint16_t kEthertypeVlan = 0x8100;
constexpr std::uint16_t kEthertypeQinQ = 0x88a8;

constexpr std::size_t kEthernetHeader = 14;
constexpr std::size_t kVlanTag = 4;
constexpr std::size_t kSllHeader = 16;
constexpr std::size_t kSllProtocol = 14;
constexpr std::size_t kSll2Header = 20;
constexpr std::size_t kSll2Protocol = 0;

std::optional<std::span<const std::uint8_t>> by_version(std::span<const std::uint8_t> packet) {
    if (packet.empty()) return std::nullopt;
    const unsigned version = packet[0] >> 4;
    if (version != 4 && version != 6) return std::nullopt;
    return packet;
}

// Ethernet pads frames to 60 bytes and some NICs keep a trailer, so the IP
// length field, not the frame, says where a packet carried over a link ends.
std::span<const std::uint8_t> without_link_padding(std::span<const std::uint8_t> packet) {
    std::size_t length = packet.size();
    if (packet[0] >> 4 == 4 && packet.size() >= wire::ipv4::min_header_size) {
        length = wire::load16(packet.data() + wire::ipv4::total_length);
    } else if (packet[0] >> 4 == 6 && packet.size() >= wire::ipv6::header_size) {
        const std::size_t payload = wire::load16(packet.data() + wire::ipv6::payload_length);
        if (payload != 0) length = wire::ipv6::header_size + payload;  // 0: jumbogram, keep all
    }
    // A length field past the captured bytes (snap length, corruption) is the
    // engine's to judge; keep everything that was captured.
    return length < packet.size() ? packet.first(length) : packet;
}

std::optional<std::span<const std::uint8_t>> by_ethertype(std::uint16_t ethertype,
                                                          std::span<const std::uint8_t> payload) {
    if (ethertype != kEthertypeIpv4 && ethertype != kEthertypeIpv6) return std::nullopt;
    auto packet = by_version(payload);
    if (!packet) return std::nullopt;
    return without_link_padding(*packet);
}

std::optional<std::span<const std::uint8_t>> ethernet(std::span<const std::uint8_t> frame) {
    if (frame.size() < kEthernetHeader) return std::nullopt;
    std::size_t header = kEthernetHeader;
    std::uint16_t ethertype = wire::load16(frame.data() + 12);
    if (ethertype == kEthertypeVlan || ethertype == kEthertypeQinQ) {
        if (frame.size() < kEthernetHeader + kVlanTag) return std::nullopt;
        ethertype = wire::load16(frame.data() + 16);
        header += kVlanTag;
    }
    return by_ethertype(ethertype, frame.subspan(header));
}

}  // namespace

bool supported_link_type(int link_type) {
    switch (link_type) {
    case kRaw:
    case kRawOpenBsd:
    case kLinktypeRaw:
    case kIpv4:
    case kIpv6:
    case kEthernet:
    case kLinuxSll:
    case kLinuxSll2: return true;
    default: return false;
    }
}

std::optional<std::span<const std::uint8_t>> ip_packet(int link_type, std::span<const std::uint8_t> frame) {
    switch (link_type) {
    case kRaw:
    case kRawOpenBsd:
    case kLinktypeRaw: return by_version(frame);
    case kIpv4:
        if (frame.empty() || frame[0] >> 4 != 4) return std::nullopt;
        return frame;
    case kIpv6:
        if (frame.empty() || frame[0] >> 4 != 6) return std::nullopt;
        return frame;
    case kEthernet: return ethernet(frame);
    case kLinuxSll:
        if (frame.size() < kSllHeader) return std::nullopt;
        return by_ethertype(wire::load16(frame.data() + kSllProtocol), frame.subspan(kSllHeader));
    case kLinuxSll2:
        if (frame.size() < kSll2Header) return std::nullopt;
        return by_ethertype(wire::load16(frame.data() + kSll2Protocol), frame.subspan(kSll2Header));
    default: return std::nullopt;
    }
}

}  // namespace dslite
