// SPDX-License-Identifier: BSD-2-Clause
// One-second timer wheel over record ids. Refreshing a binding only writes its
// last-seen time; the wheel finds out when the slot comes round and asks the
// owner for the real due time, moving the id on if it is not due yet. So the
// per-packet path never touches the wheel, and expiry is O(1) amortised. A
// bit per slot says which slots hold ids, so a clock that jumps hours (a
// quiet AFTR, a replayed capture, the fuzzer) skips the empty seconds.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <vector>

namespace dslite {

class TimerWheel {
public:
    static constexpr std::uint32_t kSlots = 8192;  // > the longest default timeout (7440 s)

    explicit TimerWheel(std::uint32_t max_ids);

    // Starts the clock; ids scheduled before this count from second 0.
    void start(std::uint32_t now) { current_ = now; }
    std::uint32_t current() const { return current_; }

    // Schedules `id` to be examined at second `due` (or at the latest slot the
    // wheel can hold, then again). `id` must not be scheduled already.
    void schedule(std::uint32_t id, std::uint32_t due);
    void cancel(std::uint32_t id);

    // Moves the clock to `now`. For each id whose slot passes, calls
    // `due_of(id)`: a due time <= the slot's second expires the id
    // (`expire(id)` is called and the id leaves the wheel); a later one
    // reschedules it.
    template <class DueOf, class Expire>
    void advance(std::uint32_t now, DueOf&& due_of, Expire&& expire);

    std::size_t memory_bytes() const { return links_.size() * sizeof(Link) + sizeof occupied_; }

private:
    struct Link {
        std::uint32_t next;
        std::uint32_t prev;
    };
    std::uint32_t sentinel(std::uint32_t second) const { return max_ids_ + (second & (kSlots - 1)); }
    void link_before(std::uint32_t id, std::uint32_t at);
    // The first second in [from, to] whose slot may hold ids, or to + 1.
    std::uint64_t next_occupied(std::uint32_t from, std::uint32_t to) const;

    std::uint32_t max_ids_;
    std::vector<Link> links_;  // ids first, then one sentinel per slot (circular lists)
    std::uint32_t current_ = 0;
    // Set when an id joins a slot, cleared when the slot is emptied by
    // advance(); cancel() leaves it set (an empty slot visited costs little).
    std::array<std::uint64_t, kSlots / 64> occupied_{};
};

template <class DueOf, class Expire>
void TimerWheel::advance(std::uint32_t now, DueOf&& due_of, Expire&& expire) {
    if (now <= current_) return;
    // After a long pause every slot is visited once, at most.
    if (now - current_ > kSlots) current_ = now - kSlots;
    while (current_ < now) {
        // Looked up again after each slot: ids rescheduled by it may land in
        // a later second of this same pass.
        const std::uint64_t next = next_occupied(current_ + 1, now);
        if (next > now) {
            current_ = now;
            break;
        }
        current_ = static_cast<std::uint32_t>(next);
        const std::uint32_t slot = current_ & (kSlots - 1);
        occupied_[slot / 64] &= ~(std::uint64_t{1} << (slot % 64));
        const std::uint32_t head = sentinel(current_);
        // Detach the slot's chain first: ids rescheduled into this same slot
        // (due a full turn later) must not be seen again in this pass.
        std::uint32_t id = links_[head].next;
        links_[head] = {head, head};
        while (id != head) {
            const std::uint32_t next = links_[id].next;
            const std::uint32_t due = due_of(id);
            if (due <= current_) {
                links_[id] = {id, id};
                expire(id);
            } else {
                links_[id] = {id, id};
                schedule(id, due);
            }
            id = next;
        }
    }
}

inline std::uint64_t TimerWheel::next_occupied(std::uint32_t from, std::uint32_t to) const {
    for (std::uint64_t second = from; second <= to;) {
        const std::uint32_t slot = static_cast<std::uint32_t>(second) & (kSlots - 1);
        // The shift keeps the rest of this word only, so no slot wraps round.
        const std::uint64_t ahead = occupied_[slot / 64] >> (slot % 64);
        if (ahead != 0) return std::min<std::uint64_t>(second + std::countr_zero(ahead), std::uint64_t{to} + 1);
        second += 64 - slot % 64;
    }
    return std::uint64_t{to} + 1;
}

}  // namespace dslite
