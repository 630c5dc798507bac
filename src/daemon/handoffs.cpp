// SPDX-License-Identifier: BSD-2-Clause
#include "handoffs.hpp"

namespace dslite::daemon {

std::variant<std::unique_ptr<Handoffs>, std::string> Handoffs::open(const Shares& shares, std::size_t ring_bytes) {
    std::vector<platform::Wakeup> wakeups;
    wakeups.reserve(shares.count());
    for (unsigned i = 0; i < shares.count(); ++i) {
        auto made = platform::Wakeup::open();
        if (auto* e = std::get_if<std::string>(&made)) return "threads: " + *e;
        wakeups.push_back(std::move(std::get<platform::Wakeup>(made)));
    }
    return std::make_unique<Handoffs>(shares, std::move(wakeups), ring_bytes);
}

Handoffs::Handoffs(const Shares& shares, std::vector<platform::Wakeup> wakeups, std::size_t ring_bytes)
    : shares_(shares), wakeups_(std::move(wakeups)) {
    rings_.reserve(std::size_t{count()} * count());
    for (unsigned i = 0; i < count() * count(); ++i) rings_.push_back(std::make_unique<HandoffRing>(ring_bytes));
}

}  // namespace dslite::daemon
