// SPDX-License-Identifier: BSD-2-Clause
#include "b4_loop.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace dslite::b4 {

Loop::Direction::Direction(boost::asio::io_context& io, Device& from_device, Device& to_device)
    : from(from_device), to(to_device), readable(io, from_device.wait_handle()), buffers(kBurst) {
    slots.resize(kBurst);
    out.reserve(kBurst);
}

Loop::Loop(boost::asio::io_context& io, Device& tun, Device& softwire, const Tunnel& tunnel)
    : io_(io), tunnel_(tunnel), outbound_(io, tun, softwire), inbound_(io, softwire, tun) {
    outbound_.encapsulating = true;
}

Loop::~Loop() {
    // The devices own their descriptors; Asio must not close them.
    for (Direction* d : {&outbound_, &inbound_}) {
        boost::system::error_code ignored;
        d->readable.cancel(ignored);
        d->readable.release();
    }
}

void Loop::start() {
    wait(outbound_);
    wait(inbound_);
}

void Loop::wait(Direction& d) {
    d.readable.async_wait(boost::asio::posix::stream_descriptor::wait_read, [this, &d](boost::system::error_code e) {
        if (e == boost::asio::error::operation_aborted) return;
        if (e) {
            spdlog::error("{}: wait failed: {}", d.from.name(), e.message());
            io_.stop();
            return;
        }
        drain(d);
    });
}

void Loop::drain(Direction& d) {
    for (std::size_t i = 0; i < kBurst; ++i) d.slots[i] = d.buffers[i].packet(kMaxPacket);
    const std::size_t n = d.from.read_burst(d.slots);

    d.out.clear();
    for (std::size_t i = 0; i < n; ++i) {
        Packet& p = d.slots[i];
        if (d.encapsulating) {
            switch (encapsulate(p, tunnel_)) {
            case Encapsulated::ok: d.out.push_back(p); break;
            case Encapsulated::not_ipv4: ++counters_.drop_not_ipv4; break;
            case Encapsulated::malformed:
            case Encapsulated::no_headroom: ++counters_.drop_malformed; break;
            }
        } else {
            switch (decapsulate(p, tunnel_)) {
            case Decapsulated::ok: d.out.push_back(p); break;
            case Decapsulated::malformed: ++counters_.drop_malformed; break;
            default: ++counters_.drop_not_softwire; break;
            }
        }
    }
    const std::size_t sent = d.to.write_burst(d.out);
    (d.encapsulating ? counters_.encapsulated : counters_.decapsulated) += sent;
    counters_.drop_device += d.out.size() - sent;

    // A full burst means more may be waiting: come back after the other
    // direction had its turn rather than starving it.
    if (n == kBurst)
        boost::asio::post(io_, [this, &d] { drain(d); });
    else
        wait(d);
}

}  // namespace dslite::b4
