// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer target for the TUN offloads (platform/linux/tun_offload.hpp):
// what a TUN might hand over, cut; what a burst might hold, joined.
// Input: one byte of mode, then
//   mode even: a 10-byte virtio-net header and the packet behind it: cut it;
//   mode odd:  packets, each a 2-byte big-endian length and its bytes: plan
//              the groups, join each and cut the join again.
// Invariants (abort on failure): no segment larger than its slot; the
// segments of a cut carry the super-packet's payload in order, with
// sequence numbers that follow; every packet is in exactly one group, and
// a join cut again gives back its members' payloads and sequence numbers.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "dslite/wire.hpp"
#include "platform/linux/tun_offload.hpp"

namespace {

using namespace dslite;
using namespace dslite::platform::offload;
using Bytes = std::vector<std::uint8_t>;

[[noreturn]] void broken(const char* what) {
    std::fprintf(stderr, "offload invariant broken: %s\n", what);
    std::abort();
}

// The TCP/UDP payload and (TCP) sequence number of a segment cut here.
struct Piece {
    Bytes payload;
    std::uint32_t seq = 0;
    bool tcp = false;
};
Piece piece(const std::uint8_t* p, std::size_t size) {
    const std::size_t ip = p[0] >> 4 == 4 ? (p[0] & 0x0f) * 4u : 40;
    const bool tcp = p[p[0] >> 4 == 4 ? 9 : 6] == wire::proto_tcp;
    const std::size_t l4 = tcp ? (p[ip + 12] >> 4) * 4u : 8;
    return {Bytes(p + ip + l4, p + size), tcp ? wire::load32(p + ip + 4) : 0, tcp};
}

std::vector<Piece> cut_all(const VnetHeader& h, std::span<const std::uint8_t> super, bool& started) {
    static PacketBuffer buffer;
    Segmenter s;
    started = s.start(h, super);
    std::vector<Piece> out;
    while (started && !s.done()) {
        Packet slot = buffer.packet(kMaxPacket);
        if (!s.cut(slot)) broken("a segment did not fit a whole slot");
        if (slot.size() > super.size()) broken("a segment larger than its super-packet");
        out.push_back(piece(slot.data(), slot.size()));
    }
    return out;
}

void cut_input(std::span<const std::uint8_t> data) {
    if (data.size() < VnetHeader::kSize) return;
    const VnetHeader h = VnetHeader::load(data.data());
    const auto packet = data.subspan(VnetHeader::kSize);
    Bytes copy(packet.begin(), packet.end());
    complete_checksum(h, copy);  // any offsets: refused or done in bounds
    bool started = false;
    const auto pieces = cut_all(h, packet, started);
    if (!started) return;
    const Piece whole = piece(packet.data(), packet.size());
    Bytes joined;
    std::uint32_t seq = whole.seq;  // 0 for UDP, as in every piece
    for (const Piece& p : pieces) {
        joined.insert(joined.end(), p.payload.begin(), p.payload.end());
        if (p.seq != seq) broken("sequence numbers do not follow");
        if (whole.tcp) seq += static_cast<std::uint32_t>(p.payload.size());
    }
    if (joined != whole.payload) broken("the segments do not carry the super-packet's payload");
}

void join_input(std::span<const std::uint8_t> data) {
    std::vector<Bytes> packets;
    while (data.size() >= 2 && packets.size() < 64) {
        const std::size_t n = std::min<std::size_t>(wire::load16(data.data()), data.size() - 2);
        packets.emplace_back(data.begin() + 2, data.begin() + 2 + static_cast<std::ptrdiff_t>(n));
        data = data.subspan(2 + n);
    }
    std::vector<Packet> views;
    for (Bytes& b : packets) views.emplace_back(std::span(b), 0, b.size());
    std::vector<std::uint16_t> group_of(views.size(), 0xffff);
    Coalescer c;
    const std::size_t groups = c.plan(views, group_of);
    std::vector<std::vector<const Packet*>> members(groups);
    for (std::size_t i = 0; i < views.size(); ++i) {
        if (group_of[i] >= groups) broken("a packet in no group");
        members[group_of[i]].push_back(&views[i]);
    }
    static PacketBuffer buffer;
    for (const auto& m : members) {
        if (m.empty()) broken("an empty group");
        if (m.size() == 1) continue;
        Packet out = buffer.packet(kMaxPacket);
        VnetHeader h;
        if (!join(m, out, h)) broken("a planned group did not join");
        bool started = false;
        const auto pieces = cut_all(h, out.bytes(), started);
        if (!started || pieces.size() != m.size()) broken("a join does not cut back into its members");
        for (std::size_t k = 0; k < m.size(); ++k) {
            const Piece original = piece(m[k]->data(), m[k]->size());
            if (pieces[k].payload != original.payload || pieces[k].seq != original.seq)
                broken("a join cut again differs from its members");
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    if (data[0] % 2 == 0)
        cut_input({data + 1, size - 1});
    else
        join_input({data + 1, size - 1});
    return 0;
}
