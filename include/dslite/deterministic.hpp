// SPDX-License-Identifier: BSD-2-Clause
// Deterministic NAT (RFC 7422): each subscriber prefix of the configured B4
// prefixes maps by a formula of the configuration alone to one public
// address and one range of ports, so no per-binding record is needed and an
// AFTR restarted (or a standby) with the same configuration maps everyone
// the same way.
//
// The formula: subscribers are numbered in the order of --b4-prefix, each
// prefix's subscribers (its /subscriber-prefix-length prefixes) in address
// order. Subscriber i gets pool address i mod A (A addresses, in the order
// of --pool) and the block i div A of R ports from --port-range's start,
// R being the largest quota: neighbours get different addresses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "dslite/address.hpp"
#include "dslite/config.hpp"
#include "dslite/pool.hpp"

namespace dslite {

class DeterministicMap {
public:
    struct Range {
        std::uint32_t pool_index = 0;  // the address's place in the pool
        Ipv4Address address;
        std::uint16_t first = 0;  // ports, inclusive
        std::uint16_t last = 0;
    };

    // The map of a configuration, or why it cannot give every possible
    // subscriber its range (one line, without the option's name).
    static std::variant<DeterministicMap, std::string> make(const EngineConfig& config);

    std::uint64_t subscribers() const { return subscribers_; }
    std::uint32_t ports_each() const { return ports_each_; }
    // The number of a subscriber prefix (masked to the subscriber length),
    // or nothing when no --b4-prefix holds it.
    std::optional<std::uint64_t> number_of(const Ipv6Address& subscriber) const;
    Ipv6Prefix prefix_of(std::uint64_t number) const;
    Range range_of(std::uint64_t number) const;
    // The subscriber a public address and port belong to, if any.
    std::optional<std::uint64_t> owner_of(Ipv4Address address, std::uint16_t port) const;

private:
    struct Block {
        Ipv6Prefix prefix;    // a --b4-prefix
        std::uint64_t first;  // the number of its first subscriber
        std::uint64_t count;
    };
    std::vector<Block> blocks_;
    Pool pool_;
    std::uint32_t ports_each_ = 0;
    std::uint32_t ranges_per_address_ = 0;
    std::uint16_t port_min_ = 0;
    std::uint8_t length_ = 0;  // subscriber prefix length
    std::uint64_t subscribers_ = 0;
};

}  // namespace dslite
