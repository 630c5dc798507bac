// SPDX-License-Identifier: BSD-2-Clause
// One event of each kind as the engine would report it, for the binding
// log's tests: a TCP binding of net::host behind net::b4_a.
#pragma once

#include <chrono>

#include "dslite/events.hpp"
#include "support/topology.hpp"

namespace dslite::daemon::test_events {

inline Event sample(EventKind kind = EventKind::binding_created) {
    Event e;
    e.kind = kind;
    e.b4 = test::net::b4_a;
    e.subscriber = mask_ipv6(test::net::b4_a, 56);
    e.subscriber_length = 56;
    e.protocol = Protocol::tcp;
    e.inside_address = test::net::host;
    e.inside_port = 40000;
    e.public_address = test::v4("198.51.100.3");
    e.public_port = 40123;
    return e;
}

// 2023-11-14T22:13:20.250Z
inline const auto kAt = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'250));

}  // namespace dslite::daemon::test_events
