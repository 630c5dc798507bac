// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer target for steering between engines side by side (--threads):
// Shares reads owners out of hostile bytes from both sides, FragmentSteering
// holds and lets go of uplink fragments. Input: records [side][length:2][bytes],
// side bit 0: 0 B4 side, 1 uplink; bits 1-3: seconds to advance the clock.
// Checks: an owner is an engine that exists; a TCP/UDP packet's owner is the
// engine whose slice has its port; every held fragment comes out again, whole,
// exactly once, and never more are held than the limit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <vector>

#include "dslite/fragment_steering.hpp"
#include "dslite/shares.hpp"
#include "dslite/wire.hpp"

namespace {

using namespace dslite;

void require(bool ok) {
    if (!ok) std::abort();
}

struct State {
    EngineConfig config = [] {
        EngineConfig c;
        c.aftr_address = *parse_ipv6("2001:db8:ff::1");
        c.pools = {*parse_ipv4_prefix("198.51.100.0/28"), *parse_ipv4_prefix("203.0.113.128/30")};
        c.port_min = 1000;
        return c;
    }();
    Shares shares{config, 3};
    FragmentSteering::Limits limits{8, 6, 2};
};

void check_owner(const State& s, Owner owner) {
    require(owner.kind != Owner::engine || owner.index < s.shares.count());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static State state;
    FragmentSteering steering(state.shares, state.limits);
    std::vector<FragmentSteering::Released> released;
    std::map<std::vector<std::uint8_t>, int> held;  // copies held, by content
    std::uint32_t now = 100;
    const auto let_go = [&] {
        for (const auto& r : released) {
            check_owner(state, r.owner);
            auto it = held.find(std::vector<std::uint8_t>(r.packet.begin(), r.packet.end()));
            require(it != held.end());  // let go of something never held, or changed while held
            if (--it->second == 0) held.erase(it);
        }
        released.clear();
    };
    std::size_t at = 0;
    while (at + 3 <= size) {
        const std::uint8_t control = data[at];
        const std::size_t length = std::min<std::size_t>(data[at + 1] | data[at + 2] << 8, size - at - 3);
        const std::span<const std::uint8_t> packet(data + at + 3, length);
        at += 3 + length;
        now += (control >> 1) & 7;
        if ((control & 1) == 0) {
            check_owner(state, state.shares.from_b4(packet));
            continue;
        }
        const Owner owner = state.shares.from_uplink(packet);
        check_owner(state, owner);
        if (owner.kind == Owner::engine && packet.size() >= 24 &&
            (packet[wire::ipv4::protocol] == wire::proto_udp || packet[wire::ipv4::protocol] == wire::proto_tcp)) {
            const std::size_t ihl = wire::ipv4::header_length(packet.data());
            const std::uint16_t port = wire::load16(packet.data() + ihl + 2);
            const EngineConfig mine = state.shares.config_of(owner.index);
            require(port >= mine.port_min && port <= mine.port_max);
        }
        if (owner.kind != Owner::fragment) continue;
        const Owner told = steering.steer(packet, now, released);
        check_owner(state, told);
        let_go();
        if (told.kind == Owner::fragment) ++held[std::vector<std::uint8_t>(packet.begin(), packet.end())];
        require(steering.held() <= state.limits.held);
        if (control & 0x80) {
            steering.expire(now, released);
            let_go();
        }
    }
    steering.expire(now + 1000, released);
    let_go();
    require(held.empty() && steering.held() == 0);  // everything held came out again
    return 0;
}
