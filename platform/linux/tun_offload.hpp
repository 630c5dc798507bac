// SPDX-License-Identifier: BSD-2-Clause
// TUN offloads (IFF_VNET_HDR + TUNSETOFFLOAD): the kernel hands a TUN
// reader TCP and UDP super-packets of up to 64 KiB, each behind a
// virtio-net header that says how to cut it, and takes such super-packets
// back. Everything above the device sees only packets that fit a wire:
// reads are cut into segments here as a NIC's TSO/USO would, and writes
// join consecutive in-order TCP segments of one flow into one super-packet
// as GRO does, so the kernel routes 64 KiB at a time instead of 1.5.
// Pure byte work on caller storage: no I/O, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dslite/packet.hpp"

namespace dslite::platform::offload {

// struct virtio_net_hdr (linux/virtio_net.h), in the machine's byte order:
// a TUN uses that unless told otherwise (TUNSETVNETLE/BE), and this never does.
struct VnetHeader {
    static constexpr std::size_t kSize = 10;
    static constexpr std::uint8_t kNeedsChecksum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM
    static constexpr std::uint8_t kGsoNone = 0;
    static constexpr std::uint8_t kGsoTcpv4 = 1;
    static constexpr std::uint8_t kGsoUdp = 3;  // UFO: cut into IP fragments; never asked for
    static constexpr std::uint8_t kGsoTcpv6 = 4;
    static constexpr std::uint8_t kGsoUdpL4 = 5;  // USO
    static constexpr std::uint8_t kGsoEcn = 0x80;

    std::uint8_t flags = 0;
    std::uint8_t gso_type = kGsoNone;
    std::uint16_t hdr_len = 0;
    std::uint16_t gso_size = 0;
    std::uint16_t csum_start = 0;
    std::uint16_t csum_offset = 0;

    static VnetHeader load(const std::uint8_t* p);
    void store(std::uint8_t* p) const;
    bool operator==(const VnetHeader&) const = default;
};

// Makes a packet whose checksum the kernel left to us (kNeedsChecksum: the
// field holds the pseudo-header sum) whole. False if the header's offsets
// do not fit the packet.
bool complete_checksum(const VnetHeader& header, std::span<std::uint8_t> packet);

// Cuts one super-packet (TCP over IPv4/IPv6, UDP over either) into the
// segments it stands for: each its own copy of the headers with lengths,
// IPv4 identification, TCP sequence number and flags (FIN and PSH on the
// last segment only, CWR on the first only) and checksums made for it.
class Segmenter {
public:
    // Takes a frame's header and the packet behind it, which must stay put
    // until done(). False if they do not describe a super-packet this can
    // cut (the headers do not parse, a protocol the header does not name).
    bool start(const VnetHeader& header, std::span<const std::uint8_t> packet);
    bool done() const { return next_ >= count_; }
    std::size_t count() const { return count_; }
    // Writes the next segment into `out`, a window of capacity (resized to
    // the segment); false if it does not fit there.
    bool cut(Packet& out);

private:
    std::span<const std::uint8_t> packet_;
    std::size_t ip_length_ = 0;     // IP header(s)
    std::size_t headers_ = 0;       // IP + TCP/UDP header
    std::size_t segment_size_ = 0;  // payload bytes per segment
    std::size_t count_ = 0;
    std::size_t next_ = 0;
    bool tcp_ = false;
};

// Joins TCP-over-IPv4 segments for writing. A segment joins the group of
// its flow when it comes next in sequence and matches the group's headers
// (addresses, ports, TOS, TTL, DF, ACK, window, options, flags but PSH),
// has as much payload as the group's first (the last may have less), and
// both its checksums are right: a join recomputes them, which must not make
// a damaged packet look whole. Anything else goes out as it came.
class Coalescer {
public:
    static constexpr std::size_t kFlows = 8;  // groups open at once
    static constexpr std::size_t kMaxSuper = 65535;

    // Which packets of `packets` go out together: group_of[i] is the index
    // of the group packet i belongs to; groups are numbered in the order of
    // their first packet. Returns the number of groups.
    std::size_t plan(std::span<const Packet> packets, std::span<std::uint16_t> group_of);
};

// Builds the super-packet of `members` (in order, at least two, as
// Coalescer grouped them) into `out` (a window of capacity with headroom),
// with the header to write in front of it. False if it does not fit.
bool join(std::span<const Packet* const> members, Packet& out, VnetHeader& header);

}  // namespace dslite::platform::offload
