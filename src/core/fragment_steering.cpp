// SPDX-License-Identifier: BSD-2-Clause
#include "dslite/fragment_steering.hpp"

#include <array>
#include <cstring>

#include "dslite/wire.hpp"

namespace dslite {

using namespace wire;

struct FragmentSteering::Buffer {
    std::array<std::uint8_t, kHeldBytes> bytes;
    std::size_t length = 0;
};

struct FragmentSteering::Datagram {
    enum State : std::uint8_t { free, waiting, told };
    State state = free;
    Key key{};
    Owner owner{};
    std::uint32_t last_seen = 0;
    std::vector<std::uint32_t> held;  // buffers, in arrival order
};

FragmentSteering::FragmentSteering(const Shares& shares, Limits limits)
    : shares_(shares), limits_(limits), datagrams_(limits.datagrams) {
    buffers_.reserve(limits.held);
    free_buffers_.reserve(limits.held);
    releasing_.reserve(limits.held);
    for (std::uint32_t i = 0; i < limits.held; ++i) {
        buffers_.push_back(std::make_unique<Buffer>());
        free_buffers_.push_back(limits.held - 1 - i);
    }
    for (auto& d : datagrams_) d.held.reserve(limits.held);
}

FragmentSteering::~FragmentSteering() = default;

void FragmentSteering::release(Datagram& d, Owner owner, std::vector<Released>& released) {
    for (const std::uint32_t b : d.held) {
        released.push_back({owner, {buffers_[b]->bytes.data(), buffers_[b]->length}});
        releasing_.push_back(b);
    }
    held_count_ -= d.held.size();
    d.held.clear();
}

FragmentSteering::Datagram* FragmentSteering::find(const Key& key, std::uint32_t now, std::vector<Released>& released) {
    for (auto& d : datagrams_) {
        if (d.state == Datagram::free || !(d.key == key)) continue;
        if (now - d.last_seen > limits_.timeout) {
            release(d, Owner{}, released);
            d.state = Datagram::free;
            return nullptr;
        }
        return &d;
    }
    return nullptr;
}

FragmentSteering::Datagram* FragmentSteering::allocate(const Key& key, std::uint32_t now) {
    // A free entry, else the least recently seen one already told: a datagram
    // still waiting for its first fragment is never forgotten for a newer one.
    Datagram* chosen = nullptr;
    for (auto& d : datagrams_) {
        if (d.state == Datagram::free) {
            chosen = &d;
            break;
        }
        if (d.state == Datagram::told && (!chosen || d.last_seen < chosen->last_seen)) chosen = &d;
    }
    if (!chosen) return nullptr;
    chosen->state = Datagram::waiting;
    chosen->key = key;
    chosen->owner = {};
    chosen->last_seen = now;
    chosen->held.clear();
    return chosen;
}

bool FragmentSteering::hold(Datagram& d, std::span<const std::uint8_t> fragment) {
    if (fragment.size() > kHeldBytes || free_buffers_.empty()) return false;
    const std::uint32_t b = free_buffers_.back();
    free_buffers_.pop_back();
    std::memcpy(buffers_[b]->bytes.data(), fragment.data(), fragment.size());
    buffers_[b]->length = fragment.size();
    d.held.push_back(b);
    ++held_count_;
    return true;
}

Owner FragmentSteering::steer(std::span<const std::uint8_t> fragment, std::uint32_t now,
                              std::vector<Released>& released) {
    for (const std::uint32_t b : releasing_) free_buffers_.push_back(b);
    releasing_.clear();

    const std::uint8_t* ip = fragment.data();
    const Key key{load32(ip + ipv4::source), load32(ip + ipv4::destination), load16(ip + ipv4::identification),
                  ip[ipv4::protocol]};
    const bool first = (load16(ip + ipv4::flags_fragment) & ipv4::offset_mask) == 0;
    Datagram* d = find(key, now, released);

    if (first) {
        const Owner owner = shares_.from_first_fragment(fragment);
        if (!d) d = allocate(key, now);
        if (!d) return owner;  // every entry waits: later fragments go where they are read
        release(*d, owner, released);
        d->state = Datagram::told;
        d->owner = owner;
        d->last_seen = now;
        return owner;
    }
    if (d && d->state == Datagram::told) {
        d->last_seen = now;
        return d->owner;
    }
    if (!d) d = allocate(key, now);
    if (!d || !hold(*d, fragment)) {
        if (d && d->held.empty()) d->state = Datagram::free;
        return Owner{};
    }
    d->last_seen = now;
    return {Owner::fragment, 0};
}

void FragmentSteering::expire(std::uint32_t now, std::vector<Released>& released) {
    for (const std::uint32_t b : releasing_) free_buffers_.push_back(b);
    releasing_.clear();
    for (auto& d : datagrams_) {
        if (d.state == Datagram::free || now - d.last_seen <= limits_.timeout) continue;
        release(d, Owner{}, released);
        d.state = Datagram::free;
    }
}

}  // namespace dslite
