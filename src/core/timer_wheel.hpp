// One-second timer wheel over record ids. Refreshing a binding only writes its
// last-seen time; the wheel finds out when the slot comes round and asks the
// owner for the real due time, moving the id on if it is not due yet. So the
// per-packet path never touches the wheel, and expiry is O(1) amortised.
#pragma once

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

    std::size_t memory_bytes() const { return links_.size() * sizeof(Link); }

private:
    struct Link {
        std::uint32_t next;
        std::uint32_t prev;
    };
    std::uint32_t sentinel(std::uint32_t second) const { return max_ids_ + (second & (kSlots - 1)); }
    void link_before(std::uint32_t id, std::uint32_t at);

    std::uint32_t max_ids_;
    std::vector<Link> links_;  // ids first, then one sentinel per slot (circular lists)
    std::uint32_t current_ = 0;
};

template <class DueOf, class Expire>
void TimerWheel::advance(std::uint32_t now, DueOf&& due_of, Expire&& expire) {
    if (now <= current_) return;
    // After a long pause every slot is visited once, at most.
    if (now - current_ > kSlots) current_ = now - kSlots;
    while (current_ < now) {
        ++current_;
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

}  // namespace dslite
