// SPDX-License-Identifier: BSD-2-Clause
// IPv4 fragments from the uplink, to the engine that owns their datagram
// (shares.hpp). Only the first fragment carries the ports, so later fragments
// that arrive before it are held, as copies in storage allocated up front,
// until it comes (VPP's shallow virtual reassembly does the same); then all
// of them go to its owner, and so do the datagram's fragments after it.
// Nothing is dropped here: a fragment that cannot be told or held, or that
// waited too long, goes to the engine of the thread that read it, which holds
// and expires it as it does any incomplete datagram, and counts it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "dslite/config.hpp"
#include "dslite/shares.hpp"

namespace dslite {

class FragmentSteering {
public:
    struct Limits {
        std::uint32_t datagrams = 64;  // remembered at once, waiting or told
        std::uint32_t held = 128;      // fragments held at once
        std::uint32_t timeout = 2;     // seconds a datagram is remembered after its last fragment
    };
    // Fragments larger than the largest MTU the AFTR accepts are not held.
    static constexpr std::size_t kHeldBytes = kMaxMtu;

    struct Released {
        Owner owner;
        std::span<const std::uint8_t> packet;
    };

    FragmentSteering(const Shares& shares, Limits limits);
    ~FragmentSteering();
    FragmentSteering(const FragmentSteering&) = delete;
    FragmentSteering& operator=(const FragmentSteering&) = delete;

    // An IPv4 fragment from the uplink (Shares::from_uplink said so), read at
    // `now` seconds: its owner, or Owner::fragment if it is held. Held
    // fragments of its datagram that it releases are appended to `released`,
    // valid until the next call.
    Owner steer(std::span<const std::uint8_t> fragment, std::uint32_t now, std::vector<Released>& released);
    // Releases (to Owner::any) what has waited longer than the timeout.
    void expire(std::uint32_t now, std::vector<Released>& released);

    std::size_t held() const { return held_count_; }

private:
    struct Key {
        std::uint32_t source, destination;
        std::uint16_t identification;
        std::uint8_t protocol;
        bool operator==(const Key&) const = default;
    };
    struct Datagram;
    struct Buffer;

    Datagram* find(const Key& key, std::uint32_t now, std::vector<Released>& released);
    Datagram* allocate(const Key& key, std::uint32_t now);
    void release(Datagram& d, Owner owner, std::vector<Released>& released);
    bool hold(Datagram& d, std::span<const std::uint8_t> fragment);

    const Shares& shares_;
    Limits limits_;
    std::vector<Datagram> datagrams_;
    std::vector<std::unique_ptr<Buffer>> buffers_;
    std::vector<std::uint32_t> free_buffers_;
    std::vector<std::uint32_t> releasing_;  // buffers released by the last call, freed at the next
    std::size_t held_count_ = 0;
};

}  // namespace dslite
