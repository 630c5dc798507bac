// SPDX-License-Identifier: BSD-2-Clause
// A packet is a window into caller-owned storage. The window starts
// `kHeadroom` bytes in, so the engine can prepend an IPv6 header (and an
// ICMP error header in front of a quoted packet) without moving the payload.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace dslite {

// IPv6 (40) + fragment header (8) + IPv4 + ICMP headers of a generated error (28),
// rounded up so the payload keeps a convenient alignment.
inline constexpr std::size_t kHeadroom = 128;
inline constexpr std::size_t kMaxPacket = 65535 + 40;  // a maximal IPv4 packet inside IPv6

class Packet {
public:
    Packet() = default;
    // `storage` must outlive the packet; the packet occupies [offset, offset+length).
    Packet(std::span<std::uint8_t> storage, std::size_t offset, std::size_t length)
        : storage_(storage), offset_(offset), length_(length) {}

    std::uint8_t* data() { return storage_.data() + offset_; }
    const std::uint8_t* data() const { return storage_.data() + offset_; }
    std::size_t size() const { return length_; }
    std::span<std::uint8_t> bytes() { return {data(), length_}; }
    std::span<const std::uint8_t> bytes() const { return {data(), length_}; }

    std::size_t headroom() const { return offset_; }
    std::size_t tailroom() const { return storage_.size() - offset_ - length_; }

    // Grows the window by n bytes at the front; false (and unchanged) without room.
    bool push_front(std::size_t n) {
        if (n > offset_) return false;
        offset_ -= n;
        length_ += n;
        return true;
    }
    // Shrinks the window by n bytes at the front; n <= size().
    void pull_front(std::size_t n) {
        offset_ += n;
        length_ -= n;
    }
    // Sets the length; false (and unchanged) if it would pass the storage end.
    bool resize(std::size_t n) {
        if (offset_ + n > storage_.size()) return false;
        length_ = n;
        return true;
    }

private:
    std::span<std::uint8_t> storage_;
    std::size_t offset_ = 0;
    std::size_t length_ = 0;
};

// Storage for one packet of any size with headroom; for drivers and tests.
struct PacketBuffer {
    alignas(64) std::array<std::uint8_t, kHeadroom + kMaxPacket> storage;

    // A packet view of `length` bytes placed at the headroom mark.
    Packet packet(std::size_t length) { return Packet(storage, kHeadroom, length); }
    std::uint8_t* payload() { return storage.data() + kHeadroom; }
    // A packet view of a copy of `bytes` (at most kMaxPacket of them).
    Packet holding(std::span<const std::uint8_t> bytes) {
        const std::size_t length = std::min(bytes.size(), kMaxPacket);
        if (length != 0) std::memcpy(payload(), bytes.data(), length);
        return packet(length);
    }
};

}  // namespace dslite
