// SPDX-License-Identifier: BSD-2-Clause
// The engine driven packet by packet, with the test builder and an
// independent decoder that recomputes every checksum from scratch.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "dslite/engine.hpp"
#include "dslite/wire.hpp"
#include "support/topology.hpp"
#include "support/packet_builder.hpp"
#include "support/packet_decoder.hpp"

namespace dslite::test {

// Keeps the extra packets the engine emits (fragments), by side.
struct Extra final : Emitter {
    void emit(Side side, std::span<const std::uint8_t> packet) override {
        packets.push_back({side, Bytes(packet.begin(), packet.end())});
    }
    std::vector<std::pair<Side, Bytes>> packets;
};

struct Out {
    Verdict verdict;
    Decoded decoded;
    Bytes bytes;
};

inline const Ipv4Address kServer2 = v4("203.0.113.20");

inline EngineConfig base_config() { return lab_engine_config(4096, 256); }

class EngineTest : public ::testing::Test {
protected:
    void make(const EngineConfig& c) {
        ASSERT_FALSE(validate(c).has_value()) << *validate(c);
        engine = std::make_unique<Engine>(c);
    }
    // The base configuration with `edit` applied: make_with([](EngineConfig& c) { c.quota.udp = 2; }).
    template <class Edit>
    void make_with(Edit edit) {
        EngineConfig c = base_config();
        edit(c);
        make(c);
    }
    void SetUp() override { make(base_config()); }

    Out run(Side side, const Bytes& in, std::int64_t second, bool decode_output = true) {
        auto buffer = std::make_unique<PacketBuffer>();
        Packet p = buffer->holding(in);
        const Time t = std::chrono::seconds(1'700'000'000 + second);
        Verdict v = side == Side::b4 ? engine->from_b4(p, t, extra) : engine->from_uplink(p, t, extra);
        Out out{v, {}, {}};
        if (v != Verdict::drop) {
            out.bytes.assign(p.data(), p.data() + p.size());
            if (!decode_output) return out;
            out.decoded = decode(out.bytes);
            EXPECT_TRUE(out.decoded.problems.empty()) << describe(out.decoded);
        }
        return out;
    }
    Out from_b4(const Ipv6Address& b4, const Bytes& ipv4, std::int64_t second = 0, std::uint8_t tc = 0) {
        Ipv6Header h;
        h.source = b4;
        h.destination = net::aftr;
        h.traffic_class = tc;
        return run(Side::b4, softwire(h, ipv4), second);
    }
    Out from_uplink(const Bytes& ipv4, std::int64_t second = 0) { return run(Side::uplink, ipv4, second); }

    static Bytes udp(Ipv4Address src, std::uint16_t sport, Ipv4Address dst, std::uint16_t dport,
                     std::uint8_t ttl = 64) {
        Ipv4Header h;
        h.source = src;
        h.destination = dst;
        h.ttl = ttl;
        return ipv4_udp(h, UdpDatagram{sport, dport, text_bytes("hello"), false});
    }
    static Bytes tcp(Ipv4Address src, std::uint16_t sport, Ipv4Address dst, std::uint16_t dport, std::uint8_t flags) {
        Ipv4Header h;
        h.source = src;
        h.destination = dst;
        TcpSegment s;
        s.source_port = sport;
        s.destination_port = dport;
        s.flags = flags;
        return ipv4_tcp(h, s);
    }
    // A UDP binding from net::host:5000 behind `b4` to net::server1:53, and its public end.
    struct Bound {
        Out out;
        Ipv4Address pub;
        std::uint16_t port;
    };
    Bound bind_udp(const Ipv6Address& b4 = net::b4_a, std::int64_t second = 0) {
        Out out = from_b4(b4, udp(net::host, 5000, net::server1, 53), second);
        EXPECT_EQ(out.verdict, Verdict::to_uplink);
        const Ipv4Info* ip = out.decoded.ip4();
        return {out, ip ? ip->source : Ipv4Address{}, ip ? ip->l4.source_port : std::uint16_t{0}};
    }
    std::uint64_t count(Counter c) const { return engine->counters()[c]; }
    void expect_balanced() const {
        std::uint64_t out = 0;
        for (std::size_t i = 0; i < kCounterCount; ++i) {
            const auto c = static_cast<Counter>(i);
            if (is_disposition(c)) out += engine->counters()[c];
        }
        EXPECT_EQ(count(Counter::in_b4_packets) + count(Counter::in_uplink_packets), out);
    }

    std::unique_ptr<Engine> engine;
    Extra extra;
};

}  // namespace dslite::test
