// SPDX-License-Identifier: BSD-2-Clause
// Several engines side by side, one per thread: each owns a disjoint share of
// every pool address's ports (split_port_range, in whole port blocks or
// deterministic ranges) and the subscribers whose prefix hashes to it (under
// deterministic mapping: whose range lies in its share), so paired pooling and quotas still hold per subscriber
// and no two engines ever touch one binding. Shares says which engine owns a
// packet, so a driver can hand one that arrived on the wrong thread to the
// engine that holds, or will hold, its binding. Pure: bytes in, an index out.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dslite/address.hpp"
#include "dslite/config.hpp"
#include "dslite/deterministic.hpp"

namespace dslite {

// Who owns a packet: an engine, any engine (nothing binds it: whichever
// engine has it drops and counts it), or not known yet (an IPv4 fragment
// from the uplink, whose ports may be in another fragment).
struct Owner {
    enum Kind : std::uint8_t { engine, any, fragment };
    Kind kind = any;
    unsigned index = 0;  // for Kind::engine

    static Owner of(unsigned i) { return {engine, i}; }
    bool operator==(const Owner&) const = default;
};

class Shares {
public:
    // `config` must have passed validate(); count >= 1 and no more than
    // split() gives slices.
    Shares(const EngineConfig& config, unsigned count);
    // The engines' slices of the port range: whole port blocks, or whole
    // deterministic ranges split so each engine serves as many subscribers
    // (the last takes the unused rest); fewer than `count` when the range
    // has too few.
    static std::vector<std::pair<std::uint16_t, std::uint16_t>> split(const EngineConfig& config, unsigned count);

    unsigned count() const { return count_; }
    // Engine i's configuration: its slice of the ports, its part of the table
    // sizes, a seed of its own, and (for count > 1) told that the rest of the
    // pool's ports belong to other engines.
    EngineConfig config_of(unsigned i) const;

    // IPv6 from a B4: the subscriber (source masked to the subscriber prefix
    // length); an ICMPv6 error from a router on the path is the B4's it is
    // about (the destination of the quoted packet).
    Owner from_b4(std::span<const std::uint8_t> packet) const;
    // IPv4 from the uplink, to a pool address: the engine whose slice has its
    // destination port or ICMP echo identifier; an ICMP error is the owner's
    // of the packet it quotes (that packet's source port).
    Owner from_uplink(std::span<const std::uint8_t> packet) const;
    // The same for the first fragment of a datagram (offset 0), which has the ports.
    Owner from_first_fragment(std::span<const std::uint8_t> packet) const;
    // A pool address with a port (or ICMP identifier) of it.
    Owner of_port(std::uint16_t port) const;
    // Why these engines cannot run this configuration (a subscriber's static
    // mappings in two engines' slices), or nothing.
    const std::optional<std::string>& conflict() const { return conflict_; }

private:
    bool in_pool(std::uint32_t address) const;
    Owner of_subscriber(const std::uint8_t* address) const;
    Owner by_ports(std::span<const std::uint8_t> packet, bool fragments_too) const;
    // Under deterministic mapping, how many subscribers' ranges engine i's slice holds.
    std::uint64_t subscribers_served(unsigned i) const;

    EngineConfig config_;
    unsigned count_;
    std::vector<std::pair<std::uint16_t, std::uint16_t>> slices_;
    std::vector<Ipv4Prefix> pools_;
    std::optional<DeterministicMap> deterministic_;         // several engines under --port-mapping deterministic
    std::vector<std::pair<Ipv6Address, unsigned>> pinned_;  // subscribers with static mappings, by prefix
    std::optional<std::string> conflict_;
};

}  // namespace dslite
