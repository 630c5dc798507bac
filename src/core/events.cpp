// SPDX-License-Identifier: BSD-2-Clause
#include "dslite/events.hpp"

#include <algorithm>
#include <bit>

namespace dslite {

std::string_view event_name(EventKind kind) {
    switch (kind) {
#define DSLITE_EVENT_NAME(name) \
    case EventKind::name: return #name;
        DSLITE_EVENT_KINDS(DSLITE_EVENT_NAME)
#undef DSLITE_EVENT_NAME
    }
    return "unknown";
}

std::string_view reason_name(RemovalReason reason) {
    switch (reason) {
    case RemovalReason::none: return "none";
    case RemovalReason::timeout: return "timeout";
    case RemovalReason::tcp_closed: return "tcp_closed";
    case RemovalReason::shutdown: return "shutdown";
    case RemovalReason::deleted: return "deleted";
    case RemovalReason::reconfigured: return "reconfigured";
    }
    return "unknown";
}

EventRing::EventRing(std::size_t capacity)
    : slots_(std::bit_ceil(std::max<std::size_t>(capacity, 2))), mask_(slots_.size() - 1) {}

bool EventRing::push(const Event& event) {
    const std::uint64_t written = written_.load(std::memory_order_relaxed);
    if (written - read_.load(std::memory_order_acquire) == slots_.size()) return false;
    slots_[written & mask_] = event;
    written_.store(written + 1, std::memory_order_release);
    return true;
}

std::size_t EventRing::pop(std::span<Event> out) {
    const std::uint64_t read = read_.load(std::memory_order_relaxed);
    const std::uint64_t available = written_.load(std::memory_order_acquire) - read;
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(available, out.size()));
    for (std::size_t i = 0; i < n; ++i) out[i] = slots_[(read + i) & mask_];
    read_.store(read + n, std::memory_order_release);
    return n;
}

std::size_t EventRing::size() const {
    return static_cast<std::size_t>(written_.load(std::memory_order_acquire) - read_.load(std::memory_order_acquire));
}

}  // namespace dslite
