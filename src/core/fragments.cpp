// SPDX-License-Identifier: BSD-2-Clause
// Fragments: reassembled on the way in (the softwire's IPv6 fragments before
// decapsulation, RFC 6333 6.3; inner IPv4 fragments before NAPT, RFC 4787
// REQ-14), made on the way out when a packet exceeds the tunnel MTU (IPv6
// fragments, RFC 2473 7.2(b)) or the uplink MTU (IPv4, DF clear).
#include <algorithm>
#include <cstring>

#include "dslite/checksum.hpp"
#include "dslite/wire.hpp"
#include "engine_impl.hpp"

namespace dslite {

using namespace wire;

namespace {

constexpr std::size_t kFragmentHeader = fragment::header_size;

std::optional<Verdict> settle(Reassembler::Outcome outcome, Counters& counters) {
    switch (outcome.status) {
    case Reassembler::Status::complete: return std::nullopt;
    case Reassembler::Status::incomplete: counters.add(Counter::held_fragments); return Verdict::drop;
    case Reassembler::Status::dropped: break;
    }
    counters.add(outcome.drop);
    return Verdict::drop;
}

}  // namespace

std::optional<Verdict> Engine::Impl::reassemble_softwire(Packet& packet, std::size_t at, const Ipv6Address& b4) {
    const std::uint8_t* h = packet.data();
    if (at + kFragmentHeader > packet.size()) {
        counters_.add(Counter::drop_b4_truncated);
        return Verdict::drop;
    }
    const std::uint8_t* f = h + at;
    const std::uint16_t offset_flags = load16(f + fragment::offset_flags);
    FragmentKey key;
    key.family = 6;
    std::memcpy(key.source.data(), h + ipv6::source, 16);
    std::memcpy(key.destination.data(), h + ipv6::destination, 16);
    key.identification = load32(f + fragment::identification);
    key.protocol = f[0];
    // The reassembled packet is the fixed header with the fragment's next
    // header; extension headers in front of the fragment header only
    // mattered on the way.
    std::array<std::uint8_t, ipv6::header_size> fixed;
    std::memcpy(fixed.data(), h, fixed.size());
    fixed[ipv6::next_header] = f[0];
    const auto outcome = reassembly_.add(key, owner_of(b4), fixed, offset_flags & fragment::offset_mask,
                                         (offset_flags & fragment::flag_more) != 0,
                                         {f + kFragmentHeader, packet.size() - at - kFragmentHeader}, now_, packet);
    if (auto verdict = settle(outcome, counters_)) return verdict;
    store16(packet.data() + ipv6::payload_length, static_cast<std::uint16_t>(packet.size() - ipv6::header_size));
    return std::nullopt;
}

std::optional<Verdict> Engine::Impl::reassemble_ipv4(Packet& packet, const Ipv6Address* softwire, std::uint32_t owner) {
    const std::uint8_t* ip = packet.data();
    const std::size_t ihl = ipv4::header_length(ip);
    FragmentKey key;
    key.family = 4;
    if (softwire) key.softwire = *softwire;
    std::memcpy(key.source.data(), ip + ipv4::source, 4);
    std::memcpy(key.destination.data(), ip + ipv4::destination, 4);
    key.identification = load16(ip + ipv4::identification);
    key.protocol = ip[ipv4::protocol];
    const std::uint16_t flags = load16(ip + ipv4::flags_fragment);
    const auto outcome = reassembly_.add(key, owner, {ip, ihl}, (flags & ipv4::offset_mask) * 8u,
                                         (flags & ipv4::flag_mf) != 0, {ip + ihl, packet.size() - ihl}, now_, packet);
    if (auto verdict = settle(outcome, counters_)) return verdict;
    std::uint8_t* whole = packet.data();
    if (packet.size() > 0xffff) {
        counters_.add(Counter::drop_fragment_malformed);
        return Verdict::drop;
    }
    store16(whole + ipv4::total_length, static_cast<std::uint16_t>(packet.size()));
    store16(whole + ipv4::flags_fragment, 0);
    store16(whole + ipv4::checksum, 0);
    store16(whole + ipv4::checksum, checksum({whole, ipv4::header_length(whole)}));
    return std::nullopt;
}

bool Engine::Impl::fragment_ipv6(Packet& packet, std::uint16_t mtu, Emitter& emitter) {
    // Every fragment carries the IPv6 header, a fragment header and a
    // multiple of 8 payload bytes; the packet handed in becomes the first.
    if (packet.headroom() < kFragmentHeader) return false;
    const std::size_t payload = packet.size() - ipv6::header_size;
    const std::size_t chunk = (mtu - ipv6::header_size - kFragmentHeader) / 8 * 8;
    const std::uint32_t id = fragment_id_++;
    const std::uint8_t* h = packet.data();
    const std::uint8_t next = h[ipv6::next_header];
    auto write_headers = [&](std::uint8_t* out, std::size_t offset, std::size_t length, bool more) {
        std::memmove(out, h, ipv6::header_size);
        out[ipv6::next_header] = proto_fragment;
        store16(out + ipv6::payload_length, static_cast<std::uint16_t>(kFragmentHeader + length));
        std::uint8_t* f = out + ipv6::header_size;
        f[0] = next;
        f[1] = 0;
        store16(f + fragment::offset_flags, static_cast<std::uint16_t>(offset | (more ? fragment::flag_more : 0)));
        store32(f + fragment::identification, id);
    };
    for (std::size_t offset = chunk; offset < payload; offset += chunk) {
        const std::size_t length = std::min(chunk, payload - offset);
        write_headers(scratch_.data(), offset, length, offset + length < payload);
        std::memcpy(scratch_.data() + ipv6::header_size + kFragmentHeader, h + ipv6::header_size + offset, length);
        emitter.emit(Side::b4, {scratch_.data(), ipv6::header_size + kFragmentHeader + length});
        counters_.add(Counter::sent_fragments);
    }
    // The first fragment: move the IPv6 header 8 bytes forward to make room.
    std::array<std::uint8_t, ipv6::header_size> fixed;
    std::memcpy(fixed.data(), h, fixed.size());
    packet.push_front(kFragmentHeader);  // checked above
    h = fixed.data();
    write_headers(packet.data(), 0, chunk, true);
    packet.resize(ipv6::header_size + kFragmentHeader + chunk);
    return true;
}

void Engine::Impl::fragment_ipv4(Packet& packet, std::uint16_t mtu, Emitter& emitter) {
    // Later fragments get a plain 20-byte header: options are not copied
    // (RFC 791 lets a router copy only those marked "copied", which no
    // host behind a B4 has a reason to send).
    std::uint8_t* ip = packet.data();
    const std::size_t ihl = ipv4::header_length(ip);
    const std::size_t payload = packet.size() - ihl;
    const std::size_t first = (mtu - ihl) / 8 * 8;
    const std::size_t later = (mtu - ipv4::min_header_size) / 8 * 8;
    auto finish = [](std::uint8_t* out, std::size_t header, std::size_t length, std::size_t offset, bool more) {
        store16(out + ipv4::total_length, static_cast<std::uint16_t>(header + length));
        store16(out + ipv4::flags_fragment, static_cast<std::uint16_t>(offset / 8 | (more ? ipv4::flag_mf : 0)));
        store16(out + ipv4::checksum, 0);
        store16(out + ipv4::checksum, checksum({out, header}));
    };
    for (std::size_t offset = first; offset < payload; offset += later) {
        const std::size_t length = std::min(later, payload - offset);
        std::memcpy(scratch_.data(), ip, ipv4::min_header_size);
        scratch_[0] = 0x45;
        std::memcpy(scratch_.data() + ipv4::min_header_size, ip + ihl + offset, length);
        finish(scratch_.data(), ipv4::min_header_size, length, offset, offset + length < payload);
        emitter.emit(Side::uplink, {scratch_.data(), ipv4::min_header_size + length});
        counters_.add(Counter::sent_fragments);
    }
    finish(ip, ihl, first, 0, true);
    packet.resize(ihl + first);
}

}  // namespace dslite
