// SPDX-License-Identifier: BSD-2-Clause
#include "reassembly.hpp"

#include <algorithm>
#include <cstring>

#include "hash.hpp"

namespace dslite {

Reassembler::Reassembler(const ReassemblyLimits& limits, std::uint64_t seed)
    : limits_(limits),
      seed_(mix64(seed ^ 0x6672'6167'6d65'6e74ull)),
      words_per_slot_((limits.max_datagram / 8 + 64) / 64),
      slots_(limits.slots),
      buffer_bytes_(std::size_t{limits.slots} * limits.max_datagram),
      buffers_(HugePageAllocator<std::uint8_t>{}.allocate(buffer_bytes_), FreeBuffers{buffer_bytes_}),
      blocks_(std::size_t{limits.slots} * words_per_slot_),
      headers_(std::size_t{limits.slots} * kMaxHeader),
      index_(limits.slots) {}

std::uint32_t Reassembler::hash(const FragmentKey& k) const {
    std::uint64_t w[6];
    std::memcpy(w, k.softwire.data(), 16);
    std::memcpy(w + 2, k.source.data(), 16);
    std::memcpy(w + 4, k.destination.data(), 16);
    std::uint64_t h = hash_words(seed_, w[0], w[1], w[2]);
    return hash_words(h, w[3], w[4], w[5] ^ (std::uint64_t{k.identification} << 16 | k.protocol << 8 | k.family));
}

std::uint32_t Reassembler::find(const FragmentKey& key, std::uint32_t h) const {
    return index_.find(h, [&](std::uint32_t s) { return slots_[s].key == key; });
}

std::uint32_t Reassembler::open(const FragmentKey& key, std::uint32_t h, std::uint32_t owner, std::uint32_t now,
                                Counter& refused) {
    // New datagrams are refused when full: evicting old ones would let a
    // flood push out the fragments of honest traffic.
    if (used_ == limits_.slots) {
        refused = Counter::drop_fragment_no_slot;
        return npos;
    }
    std::uint32_t owned = 0, free_slot = npos;
    for (std::uint32_t s = 0; s < slots_.size(); ++s) {
        if (slots_[s].in_use)
            owned += slots_[s].owner == owner;
        else if (free_slot == npos)
            free_slot = s;
    }
    if (owned >= limits_.per_owner) {
        refused = Counter::drop_fragment_owner_limit;
        return npos;
    }
    Slot& slot = slots_[free_slot];
    slot = Slot{key, h, owner, now, 0, 0, 0, true, false};
    std::fill_n(blocks(free_slot), words_per_slot_, 0);
    index_.insert(h, free_slot);
    ++used_;
    return free_slot;
}

void Reassembler::release(std::uint32_t s) {
    index_.erase(slots_[s].hash, s);
    slots_[s].in_use = false;
    --used_;
}

Reassembler::Outcome Reassembler::add(const FragmentKey& key, std::uint32_t owner, std::span<const std::uint8_t> hdr,
                                      std::uint32_t offset, bool more, std::span<const std::uint8_t> payload,
                                      std::uint32_t now, Packet& out) {
    const std::uint32_t length = static_cast<std::uint32_t>(payload.size());
    const std::uint32_t end = offset + length;
    // Every fragment but the last carries a multiple of 8 bytes (RFC 791,
    // RFC 8200 4.5); nothing may reach past the largest datagram.
    if ((more && (length == 0 || length % 8 != 0)) || end > limits_.max_datagram - hdr.size() ||
        hdr.size() > kMaxHeader)
        return {Status::dropped, Counter::drop_fragment_malformed};

    const std::uint32_t h = hash(key);
    std::uint32_t s = find(key, h);
    if (s == npos) {
        Counter refused = Counter::drop_fragment_no_slot;
        s = open(key, h, owner, now, refused);
        if (s == npos) return {Status::dropped, refused};
    }
    Slot& slot = slots_[s];
    if (!more) {
        if (slot.total != 0 && slot.total != end) {
            release(s);
            return {Status::dropped, Counter::drop_fragment_malformed};
        }
        slot.total = end;
    }
    if ((slot.total != 0 && end > slot.total)) {
        release(s);
        return {Status::dropped, Counter::drop_fragment_malformed};
    }
    // Overlap check and mark, a bit per 8-byte block.
    std::uint64_t* b = blocks(s);
    const std::uint32_t first = offset / 8, last = (end + 7) / 8;
    for (std::uint32_t i = first; i < last; ++i)
        if (b[i / 64] >> (i % 64) & 1) {
            release(s);
            return {Status::dropped, Counter::drop_fragment_overlap};
        }
    for (std::uint32_t i = first; i < last; ++i) b[i / 64] |= std::uint64_t{1} << (i % 64);
    std::memcpy(data(s) + offset, payload.data(), length);
    slot.received += length;
    if (offset == 0) {
        std::memcpy(header(s), hdr.data(), hdr.size());
        slot.header_length = static_cast<std::uint16_t>(hdr.size());
        slot.have_first = true;
    }
    if (slot.total == 0 || slot.received != slot.total || !slot.have_first) return {Status::incomplete, Counter{}};

    // Complete: header and payload go into the caller's packet.
    const std::size_t size = slot.header_length + slot.total;
    if (!out.resize(size)) {
        release(s);
        return {Status::dropped, Counter::drop_no_headroom};
    }
    std::memcpy(out.data(), header(s), slot.header_length);
    std::memcpy(out.data() + slot.header_length, data(s), slot.total);
    release(s);
    return {Status::complete, Counter{}};
}

std::uint32_t Reassembler::expire(std::uint32_t now) {
    std::uint32_t expired = 0;
    for (std::uint32_t s = 0; s < slots_.size(); ++s)
        if (slots_[s].in_use && now - slots_[s].started >= limits_.timeout_seconds) {
            release(s);
            ++expired;
        }
    return expired;
}

std::size_t Reassembler::memory_bytes() const {
    return slots_.size() * sizeof(Slot) + buffer_bytes_ + blocks_.size() * 8 + headers_.size() + index_.memory_bytes();
}

}  // namespace dslite
