// SPDX-License-Identifier: BSD-2-Clause
// The pcapng blocks a capture writes (draft-ietf-opsawg-pcapng): a Section
// Header, one Interface Description per side, Enhanced Packets, and at the
// end an Interface Statistics block per side with the ring's drops. Written
// in host byte order, as pcapng allows (the Byte-Order Magic tells readers);
// libpcap 1.10 reads pcapng but cannot write it. Header-only: dslite-ctl
// reads the block framing with the same constants.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace dslite::daemon::pcapng {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::uint32_t kSectionHeader = 0x0A0D0D0A;
inline constexpr std::uint32_t kInterfaceDescription = 1;
inline constexpr std::uint32_t kInterfaceStatistics = 5;
inline constexpr std::uint32_t kEnhancedPacket = 6;
inline constexpr std::uint32_t kByteOrderMagic = 0x1A2B3C4D;
// Raw IP on both interfaces: the version nibble says 4 or 6, so a packet on
// the B4 side that is not IPv6 (dropped, counted) still decodes as what it
// is, and libpcap (tcpdump) reads only files whose interfaces share one link
// type. As 12 (DLT_RAW), not LINKTYPE_RAW 101: libpcap 1.10 compares a later
// interface's link type with the first one's mapped to its DLT, so 101 on a
// second interface reads as "a different type"; 12 maps to itself, and
// Wireshark reads 12 as raw IP too (daemon.Pcapng has both read a file).
inline constexpr std::uint16_t kLinktypeRaw = 12;
// Option codes.
inline constexpr std::uint16_t kEndOfOptions = 0;
inline constexpr std::uint16_t kShbUserAppl = 4;
inline constexpr std::uint16_t kIfName = 2;
inline constexpr std::uint16_t kIfDescription = 3;
inline constexpr std::uint16_t kIsbIfDrop = 5;

namespace detail {

inline std::size_t padded(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

template <typename T>
void put(Bytes& out, T value) {
    const auto at = out.size();
    out.resize(at + sizeof value);
    std::memcpy(out.data() + at, &value, sizeof value);
}

inline void put_bytes(Bytes& out, std::span<const std::uint8_t> bytes) {
    out.insert(out.end(), bytes.begin(), bytes.end());
    out.resize(out.size() + padded(bytes.size()) - bytes.size(), 0);
}

inline void put_option(Bytes& out, std::uint16_t code, std::span<const std::uint8_t> value) {
    put<std::uint16_t>(out, code);
    put<std::uint16_t>(out, static_cast<std::uint16_t>(value.size()));
    put_bytes(out, value);
}

inline void put_text_option(Bytes& out, std::uint16_t code, std::string_view text) {
    if (text.empty()) return;
    put_option(out, code,
               {reinterpret_cast<const std::uint8_t*>(text.data()), std::min<std::size_t>(text.size(), 0xfff0)});
}

// A block: type, total length, the body `fill` appends, total length again.
template <typename Fill>
void block(Bytes& out, std::uint32_t type, Fill&& fill) {
    const std::size_t start = out.size();
    put<std::uint32_t>(out, type);
    put<std::uint32_t>(out, 0);
    fill();
    const auto total = static_cast<std::uint32_t>(out.size() - start + 4);
    std::memcpy(out.data() + start + 4, &total, 4);
    put<std::uint32_t>(out, total);
}

}  // namespace detail

inline void section_header(Bytes& out, std::string_view application) {
    detail::block(out, kSectionHeader, [&] {
        detail::put<std::uint32_t>(out, kByteOrderMagic);
        detail::put<std::uint16_t>(out, 1);  // version 1.0
        detail::put<std::uint16_t>(out, 0);
        detail::put<std::int64_t>(out, -1);  // section length: not known, it is a stream
        detail::put_text_option(out, kShbUserAppl, application);
        detail::put<std::uint32_t>(out, kEndOfOptions);
    });
}

// `snaplen` 0: whole packets. Timestamps in microseconds (if_tsresol's default).
inline void interface_description(Bytes& out, std::string_view name, std::string_view description,
                                  std::uint32_t snaplen) {
    detail::block(out, kInterfaceDescription, [&] {
        detail::put<std::uint16_t>(out, kLinktypeRaw);
        detail::put<std::uint16_t>(out, 0);
        detail::put<std::uint32_t>(out, snaplen);
        detail::put_text_option(out, kIfName, name);
        detail::put_text_option(out, kIfDescription, description);
        detail::put<std::uint32_t>(out, kEndOfOptions);
    });
}

inline void enhanced_packet(Bytes& out, std::uint32_t interface, std::uint64_t micros, std::uint32_t original_length,
                            std::span<const std::uint8_t> data) {
    detail::block(out, kEnhancedPacket, [&] {
        detail::put<std::uint32_t>(out, interface);
        detail::put<std::uint32_t>(out, static_cast<std::uint32_t>(micros >> 32));
        detail::put<std::uint32_t>(out, static_cast<std::uint32_t>(micros));
        detail::put<std::uint32_t>(out, static_cast<std::uint32_t>(data.size()));
        detail::put<std::uint32_t>(out, original_length);
        detail::put_bytes(out, data);
    });
}

inline void interface_statistics(Bytes& out, std::uint32_t interface, std::uint64_t micros, std::uint64_t dropped) {
    detail::block(out, kInterfaceStatistics, [&] {
        detail::put<std::uint32_t>(out, interface);
        detail::put<std::uint32_t>(out, static_cast<std::uint32_t>(micros >> 32));
        detail::put<std::uint32_t>(out, static_cast<std::uint32_t>(micros));
        std::uint8_t value[8];
        std::memcpy(value, &dropped, 8);
        detail::put_option(out, kIsbIfDrop, value);
        detail::put<std::uint32_t>(out, kEndOfOptions);
    });
}

// Reading, for dslite-ctl: the length of the whole block at the front of
// `bytes` once all of it is there (nothing yet otherwise), in host order.
inline std::optional<std::size_t> complete_block(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < 8) return std::nullopt;
    std::uint32_t length;
    std::memcpy(&length, bytes.data() + 4, 4);
    if (bytes.size() < length) return std::nullopt;
    return length;
}

inline std::uint32_t block_type(std::span<const std::uint8_t> block) {
    std::uint32_t type;
    std::memcpy(&type, block.data(), 4);
    return type;
}

// A block's framing is sound: at least the 12 bytes of type and two
// lengths, a multiple of 4, the trailing length the same.
inline bool well_formed(std::span<const std::uint8_t> block) {
    if (block.size() < 12 || block.size() % 4 != 0) return false;
    std::uint32_t head, tail;
    std::memcpy(&head, block.data() + 4, 4);
    std::memcpy(&tail, block.data() + block.size() - 4, 4);
    return head == block.size() && tail == head;
}

// isb_ifdrop of an Interface Statistics block, if it has one.
inline std::optional<std::uint64_t> interface_drops(std::span<const std::uint8_t> block) {
    if (block_type(block) != kInterfaceStatistics || !well_formed(block)) return std::nullopt;
    for (std::size_t at = 20; at + 4 <= block.size() - 4;) {
        std::uint16_t code, length;
        std::memcpy(&code, block.data() + at, 2);
        std::memcpy(&length, block.data() + at + 2, 2);
        if (code == kEndOfOptions) break;
        if (code == kIsbIfDrop && length == 8 && at + 12 <= block.size() - 4) {
            std::uint64_t dropped;
            std::memcpy(&dropped, block.data() + at + 4, 8);
            return dropped;
        }
        at += 4 + detail::padded(length);
    }
    return std::nullopt;
}

}  // namespace dslite::daemon::pcapng
