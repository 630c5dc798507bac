// SPDX-License-Identifier: BSD-2-Clause
#include "timer_wheel.hpp"

namespace dslite {

TimerWheel::TimerWheel(std::uint32_t max_ids) : max_ids_(max_ids), links_(std::size_t{max_ids} + kSlots) {
    for (std::uint32_t i = 0; i < links_.size(); ++i) links_[i] = {i, i};
}

void TimerWheel::link_before(std::uint32_t id, std::uint32_t at) {
    const std::uint32_t prev = links_[at].prev;
    links_[id] = {at, prev};
    links_[prev].next = id;
    links_[at].prev = id;
}

void TimerWheel::schedule(std::uint32_t id, std::uint32_t due) {
    if (due <= current_) due = current_ + 1;
    if (due - current_ >= kSlots) due = current_ + kSlots - 1;
    const std::uint32_t slot = due & (kSlots - 1);
    occupied_[slot / 64] |= std::uint64_t{1} << (slot % 64);
    link_before(id, sentinel(due));
}

void TimerWheel::cancel(std::uint32_t id) {
    Link& l = links_[id];
    links_[l.prev].next = l.next;
    links_[l.next].prev = l.prev;
    l = {id, id};
}

}  // namespace dslite
