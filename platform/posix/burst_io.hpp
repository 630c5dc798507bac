// Bursts over sockets that give one datagram per call: fill slots until the
// socket is empty, passing over datagrams the device refuses. (recvmmsg can
// replace the loop later without the callers noticing.)
#pragma once

#include <cstddef>
#include <span>

#include "dslite/packet.hpp"

namespace dslite {

enum class SlotRead { filled, skipped, empty };

template <class ReadOne>
std::size_t read_burst_one_by_one(std::span<Packet> slots, ReadOne&& read_one) {
    std::size_t count = 0;
    for (Packet& slot : slots) {
        SlotRead result;
        while ((result = read_one(slot)) == SlotRead::skipped) {
        }
        if (result == SlotRead::empty) break;
        ++count;
    }
    return count;
}

}  // namespace dslite
