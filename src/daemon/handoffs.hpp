// SPDX-License-Identifier: BSD-2-Clause
// What the workers of --threads N share, made before their threads start:
// who owns which packet (Shares), a ring from every worker to every worker
// (to itself too, for fragments it held and let go), and a wakeup each.
#pragma once

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "dslite/shares.hpp"
#include "handoff_ring.hpp"
#include "platform/posix/wakeup.hpp"

namespace dslite::daemon {

class Handoffs {
public:
    // Bytes per ring: room for a few bursts of full-sized packets.
    static constexpr std::size_t kRingBytes = std::size_t{1} << 20;

    static std::variant<std::unique_ptr<Handoffs>, std::string> open(const Shares& shares,
                                                                     std::size_t ring_bytes = kRingBytes);

    const Shares& shares() const { return shares_; }
    unsigned count() const { return shares_.count(); }
    HandoffRing& ring(unsigned from, unsigned to) { return *rings_[from * count() + to]; }
    const HandoffRing& ring(unsigned from, unsigned to) const { return *rings_[from * count() + to]; }
    platform::Wakeup& wakeup(unsigned worker) { return wakeups_[worker]; }

    Handoffs(const Shares& shares, std::vector<platform::Wakeup> wakeups, std::size_t ring_bytes);

private:
    const Shares& shares_;
    std::vector<std::unique_ptr<HandoffRing>> rings_;
    std::vector<platform::Wakeup> wakeups_;
};

}  // namespace dslite::daemon
