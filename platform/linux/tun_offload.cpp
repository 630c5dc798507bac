// SPDX-License-Identifier: BSD-2-Clause
#include "platform/linux/tun_offload.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "dslite/checksum.hpp"
#include "dslite/wire.hpp"

namespace dslite::platform::offload {

namespace {

namespace ipv4 = wire::ipv4;
namespace ipv6 = wire::ipv6;
namespace tcp = wire::tcp;
namespace udp = wire::udp;

std::uint16_t native16(const std::uint8_t* p) {
    std::uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
}

void store_native16(std::uint8_t* p, std::uint16_t v) { std::memcpy(p, &v, 2); }

// Sum of the pseudo header for `l4_length` bytes of TCP/UDP after the IP
// header of `packet` (IPv4 or IPv6 by version).
std::uint32_t pseudo_header(const std::uint8_t* packet, std::uint8_t protocol, std::size_t l4_length) {
    if (packet[0] >> 4 == 4)
        return pseudo_header_ipv4(packet + ipv4::source, packet + ipv4::destination, protocol,
                                  static_cast<std::uint16_t>(l4_length));
    return pseudo_header_ipv6(packet + ipv6::source, packet + ipv6::destination, protocol,
                              static_cast<std::uint32_t>(l4_length));
}

void set_ipv4_checksum(std::uint8_t* ip) {
    wire::store16(ip + ipv4::checksum, 0);
    wire::store16(ip + ipv4::checksum, checksum({ip, ipv4::header_length(ip)}));
}

// Checksums the TCP/UDP part of `packet` (after `ip_length` bytes of IP
// header) from scratch into its field.
void set_l4_checksum(std::uint8_t* packet, std::size_t size, std::size_t ip_length, bool is_tcp) {
    std::uint8_t* l4 = packet + ip_length;
    const std::size_t field = is_tcp ? tcp::checksum : udp::checksum;
    wire::store16(l4 + field, 0);
    const std::size_t l4_length = size - ip_length;
    std::uint16_t sum =
        checksum({l4, l4_length}, pseudo_header(packet, is_tcp ? wire::proto_tcp : wire::proto_udp, l4_length));
    if (!is_tcp && sum == 0) sum = 0xffff;  // zero means "no checksum" in UDP
    wire::store16(l4 + field, sum);
}

}  // namespace

VnetHeader VnetHeader::load(const std::uint8_t* p) {
    return {p[0], p[1], native16(p + 2), native16(p + 4), native16(p + 6), native16(p + 8)};
}

void VnetHeader::store(std::uint8_t* p) const {
    p[0] = flags;
    p[1] = gso_type;
    store_native16(p + 2, hdr_len);
    store_native16(p + 4, gso_size);
    store_native16(p + 6, csum_start);
    store_native16(p + 8, csum_offset);
}

bool complete_checksum(const VnetHeader& header, std::span<std::uint8_t> packet) {
    if (!(header.flags & VnetHeader::kNeedsChecksum)) return true;
    const std::size_t start = header.csum_start;
    const std::size_t field = start + header.csum_offset;
    if (field + 2 > packet.size()) return false;
    // The field holds the pseudo-header sum, so summing over it finishes the job.
    std::uint16_t sum = checksum(packet.subspan(start));
    const unsigned version = packet[0] >> 4;
    const bool udp_field =
        header.csum_offset == udp::checksum &&
        ((version == 4 && packet.size() >= ipv4::min_header_size && packet[ipv4::protocol] == wire::proto_udp) ||
         (version == 6 && packet.size() >= ipv6::header_size && packet[ipv6::next_header] == wire::proto_udp));
    if (udp_field && sum == 0) sum = 0xffff;
    wire::store16(packet.data() + field, sum);
    return true;
}

bool Segmenter::start(const VnetHeader& header, std::span<const std::uint8_t> packet) {
    next_ = count_ = 0;
    const std::uint8_t kind = header.gso_type & ~VnetHeader::kGsoEcn;
    if (packet.size() < ipv4::min_header_size || header.gso_size == 0) return false;
    const unsigned version = packet[0] >> 4;
    std::uint8_t protocol;
    if (version == 4) {
        ip_length_ = ipv4::header_length(packet.data());
        protocol = packet[ipv4::protocol];
        if (ip_length_ < ipv4::min_header_size ||
            (wire::load16(packet.data() + ipv4::flags_fragment) & (ipv4::flag_mf | ipv4::offset_mask)) != 0)
            return false;
    } else if (version == 6) {
        ip_length_ = ipv6::header_size;
        protocol = packet.size() >= ipv6::header_size ? packet[ipv6::next_header] : 0;
    } else {
        return false;
    }
    if (kind == VnetHeader::kGsoTcpv4 && !(version == 4 && protocol == wire::proto_tcp)) return false;
    if (kind == VnetHeader::kGsoTcpv6 && !(version == 6 && protocol == wire::proto_tcp)) return false;
    if (kind == VnetHeader::kGsoUdpL4 && protocol != wire::proto_udp) return false;
    if (kind != VnetHeader::kGsoTcpv4 && kind != VnetHeader::kGsoTcpv6 && kind != VnetHeader::kGsoUdpL4) return false;
    tcp_ = protocol == wire::proto_tcp;

    if (packet.size() < ip_length_ + (tcp_ ? tcp::min_header_size : udp::header_size)) return false;
    const std::size_t l4_header = tcp_ ? tcp::header_length(packet.data() + ip_length_) : udp::header_size;
    if (l4_header < (tcp_ ? tcp::min_header_size : udp::header_size) || ip_length_ + l4_header > packet.size())
        return false;
    packet_ = packet;
    headers_ = ip_length_ + l4_header;
    segment_size_ = header.gso_size;
    const std::size_t payload = packet.size() - headers_;
    count_ = std::max<std::size_t>(1, (payload + segment_size_ - 1) / segment_size_);
    return true;
}

bool Segmenter::cut(Packet& out) {
    if (done()) return false;
    const std::size_t offset = headers_ + next_ * segment_size_;
    const std::size_t length = std::min(segment_size_, packet_.size() - offset);
    const std::size_t size = headers_ + length;
    if (!out.resize(size)) return false;
    std::uint8_t* p = out.data();
    std::memcpy(p, packet_.data(), headers_);
    std::memcpy(p + headers_, packet_.data() + offset, length);

    const bool first = next_ == 0;
    const bool last = next_ + 1 == count_;
    if (p[0] >> 4 == 4) {
        wire::store16(p + ipv4::total_length, static_cast<std::uint16_t>(size));
        const std::uint16_t id = wire::load16(packet_.data() + ipv4::identification);
        wire::store16(p + ipv4::identification, static_cast<std::uint16_t>(id + next_));
        set_ipv4_checksum(p);
    } else {
        wire::store16(p + ipv6::payload_length, static_cast<std::uint16_t>(size - ipv6::header_size));
    }
    std::uint8_t* l4 = p + ip_length_;
    if (tcp_) {
        const std::uint32_t seq = wire::load32(packet_.data() + ip_length_ + tcp::seq);
        wire::store32(l4 + tcp::seq, static_cast<std::uint32_t>(seq + next_ * segment_size_));
        if (!last) l4[tcp::flags] &= static_cast<std::uint8_t>(~(tcp::fin | tcp::psh));
        if (!first) l4[tcp::flags] &= static_cast<std::uint8_t>(~tcp::cwr);
    } else {
        wire::store16(l4 + udp::length, static_cast<std::uint16_t>(size - ip_length_));
    }
    set_l4_checksum(p, size, ip_length_, tcp_);
    ++next_;
    return true;
}

namespace {

// What a write's packet is to the coalescer: joinable TCP over IPv4, or not.
struct Segment {
    bool joinable = false;
    std::size_t headers = 0;  // IPv4 + TCP header
    std::size_t payload = 0;
    std::uint32_t seq = 0;
    bool push = false;  // PSH: nothing may join after it
};

// A TCP segment over IPv4 without options in the IP header, not a
// fragment, only ACK (and PSH) set, some payload, both checksums right.
Segment inspect(const Packet& packet) {
    const std::uint8_t* p = packet.data();
    const std::size_t size = packet.size();
    if (size < ipv4::min_header_size + tcp::min_header_size || p[0] != 0x45 || p[ipv4::protocol] != wire::proto_tcp)
        return {};
    if (wire::load16(p + ipv4::total_length) != size ||
        (wire::load16(p + ipv4::flags_fragment) & (ipv4::flag_mf | ipv4::offset_mask)) != 0)
        return {};
    const std::uint8_t* t = p + ipv4::min_header_size;
    const std::size_t tcp_header = tcp::header_length(t);
    const std::size_t headers = ipv4::min_header_size + tcp_header;
    if (tcp_header < tcp::min_header_size || headers >= size) return {};
    if ((t[tcp::flags] & ~tcp::psh) != tcp::ack || wire::load16(t + tcp::urgent_pointer) != 0) return {};
    if (checksum_fold(checksum_partial({p, ipv4::min_header_size})) != 0xffff) return {};
    const std::size_t l4_length = size - ipv4::min_header_size;
    if (checksum_fold(checksum_partial({t, l4_length}, pseudo_header(p, wire::proto_tcp, l4_length))) != 0xffff)
        return {};
    return {true, headers, size - headers, wire::load32(t + tcp::seq), (t[tcp::flags] & tcp::psh) != 0};
}

// Everything but lengths, identification, checksums, sequence number and PSH
// must be the same for two segments to be one.
bool same_headers(const Packet& a, const Packet& b, std::size_t headers) {
    const std::uint8_t* x = a.data();
    const std::uint8_t* y = b.data();
    if (x[ipv4::tos] != y[ipv4::tos] || x[ipv4::ttl] != y[ipv4::ttl] ||
        wire::load16(x + ipv4::flags_fragment) != wire::load16(y + ipv4::flags_fragment) ||
        std::memcmp(x + ipv4::source, y + ipv4::source, 8) != 0)
        return false;
    const std::uint8_t* s = x + ipv4::min_header_size;
    const std::uint8_t* t = y + ipv4::min_header_size;
    return std::memcmp(s, t, tcp::seq) == 0                                  // ports
           && std::memcmp(s + tcp::ack_number, t + tcp::ack_number, 5) == 0  // ACK number, data offset
           && (s[tcp::flags] & ~tcp::psh) == (t[tcp::flags] & ~tcp::psh)     //
           && std::memcmp(s + tcp::window, t + tcp::window, 2) == 0          //
           && std::memcmp(s + tcp::min_header_size, t + tcp::min_header_size,
                          headers - ipv4::min_header_size - tcp::min_header_size) == 0;  // options
}

bool same_flow(const Packet& a, const Packet& b) {
    return std::memcmp(a.data() + ipv4::source, b.data() + ipv4::source, 8) == 0 &&
           std::memcmp(a.data() + ipv4::min_header_size, b.data() + ipv4::min_header_size, 4) == 0;
}

}  // namespace

std::size_t Coalescer::plan(std::span<const Packet> packets, std::span<std::uint16_t> group_of) {
    struct Open {
        std::uint16_t group;
        std::size_t first;
        std::size_t count;
        std::size_t bytes;
        std::size_t segment_size;
        std::uint32_t next_seq;
        bool ended;  // its last segment was short or carried PSH
    };
    std::array<Open, kFlows> open;
    std::size_t open_count = 0;
    std::size_t oldest = 0;  // the slot to reuse when all are open
    std::uint16_t groups = 0;
    const auto open_of = [&](const Packet& packet) -> Open* {
        for (std::size_t k = 0; k < open_count; ++k)
            if (same_flow(packets[open[k].first], packet)) return &open[k];
        return nullptr;
    };

    for (std::size_t i = 0; i < packets.size(); ++i) {
        const Packet& packet = packets[i];
        const Segment s = inspect(packet);
        if (!s.joinable) {
            // A packet of an open flow that cannot join (a FIN, a bare ACK)
            // ends its group: what follows must not be joined in ahead of it.
            const bool tcp = packet.size() >= ipv4::min_header_size + 4 && packet.data()[0] >> 4 == 4 &&
                             packet.data()[ipv4::protocol] == wire::proto_tcp &&
                             ipv4::header_length(packet.data()) == ipv4::min_header_size;
            if (Open* flow = tcp ? open_of(packet) : nullptr) flow->ended = true;
            group_of[i] = groups++;
            continue;
        }
        Open* flow = open_of(packet);
        if (flow && !flow->ended && s.seq == flow->next_seq && s.payload <= flow->segment_size &&
            flow->bytes + s.payload <= kMaxSuper && same_headers(packets[flow->first], packet, s.headers)) {
            const std::uint8_t* first = packets[flow->first].data();
            const std::uint16_t id0 = wire::load16(first + ipv4::identification);
            const std::uint16_t id = wire::load16(packet.data() + ipv4::identification);
            const bool df = wire::load16(first + ipv4::flags_fragment) & ipv4::flag_df;
            // The kernel numbers the segments it cuts id0, id0+1, ...; a DF
            // flow may also keep one identification throughout (RFC 6864).
            if (id == static_cast<std::uint16_t>(id0 + flow->count) || (df && id == id0)) {
                group_of[i] = flow->group;
                ++flow->count;
                flow->bytes += s.payload;
                flow->next_seq += static_cast<std::uint32_t>(s.payload);
                flow->ended = s.payload < flow->segment_size || s.push;
                continue;
            }
        }
        // This packet starts its flow's next group.
        if (!flow) {
            if (open_count < kFlows) {
                flow = &open[open_count++];
            } else {
                flow = &open[oldest];
                oldest = (oldest + 1) % kFlows;
            }
        }
        *flow = {groups, i, 1, s.headers + s.payload, s.payload, static_cast<std::uint32_t>(s.seq + s.payload), s.push};
        group_of[i] = groups++;
    }
    return groups;
}

bool join(std::span<const Packet* const> members, Packet& out, VnetHeader& header) {
    const Packet& first = *members.front();
    const std::size_t headers = ipv4::min_header_size + tcp::header_length(first.data() + ipv4::min_header_size);
    std::size_t size = first.size();
    for (const Packet* m : members.subspan(1)) size += m->size() - headers;
    if (size > Coalescer::kMaxSuper || !out.resize(size)) return false;
    std::uint8_t* p = out.data();
    std::memcpy(p, first.data(), first.size());
    std::size_t at = first.size();
    for (const Packet* m : members.subspan(1)) {
        std::memcpy(p + at, m->data() + headers, m->size() - headers);
        at += m->size() - headers;
    }
    wire::store16(p + ipv4::total_length, static_cast<std::uint16_t>(size));
    set_ipv4_checksum(p);
    std::uint8_t* t = p + ipv4::min_header_size;
    t[tcp::flags] |= members.back()->data()[ipv4::min_header_size + tcp::flags] & tcp::psh;
    // The kernel finishes the checksum of each segment it cuts from this:
    // the field holds the pseudo-header sum (not complemented), as a
    // driver's TSO expects.
    const std::size_t l4_length = size - ipv4::min_header_size;
    wire::store16(t + tcp::checksum, checksum_fold(pseudo_header(p, wire::proto_tcp, l4_length)));
    header = {VnetHeader::kNeedsChecksum,
              VnetHeader::kGsoTcpv4,
              static_cast<std::uint16_t>(headers),
              static_cast<std::uint16_t>(first.size() - headers),
              static_cast<std::uint16_t>(ipv4::min_header_size),
              static_cast<std::uint16_t>(tcp::checksum)};
    return true;
}

}  // namespace dslite::platform::offload
