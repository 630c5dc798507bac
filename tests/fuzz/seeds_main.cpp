// SPDX-License-Identifier: BSD-2-Clause
// dslite-fuzz-seeds CAPTURES_DIR OUT_DIR: writes the seed corpus of every
// fuzz target into OUT_DIR/<target>/. Engine seeds come from each
// CAPTURES_DIR/*/in.pcap (the whole capture in order, the same answered from
// the uplink, and each packet alone) plus a few made here for paths the
// captures do not reach (exhaustion, aimed ICMP errors, bursts). Option seeds
// come from each CAPTURES_DIR/*/flags, as arguments and as a config file.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

#include "dslite/engine.hpp"
#include "dslite/wire.hpp"
#include "input_format.hpp"
#include "state_input.hpp"
#include "pcap/capture_reader.hpp"
#include "support/packet_builder.hpp"
#include "support/topology.hpp"
#include "support/words.hpp"

namespace {

namespace fs = std::filesystem;
namespace w = dslite::wire;
using dslite::test::Bytes;
using namespace dslite::fuzz;
using namespace dslite::test;

struct Packet {
    std::chrono::microseconds time;
    Bytes ip;
};

void write(const fs::path& dir, const std::string& name, const Bytes& bytes) {
    fs::create_directories(dir);
    std::ofstream(dir / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

bool is_ipv6(const Bytes& ip) { return !ip.empty() && ip[0] >> 4 == 6; }

// One engine input from a packet sequence. `own_b4`: the target's own side
// is the B4 side. `extra_ctl` is or-ed into every record.
Bytes engine_input(const std::vector<Packet>& packets, std::uint8_t selector, bool own_b4, std::uint8_t extra_ctl) {
    Bytes input{selector};
    for (std::size_t i = 0; i < packets.size(); ++i) {
        const auto gap = i == 0 ? std::chrono::microseconds{0} : packets[i].time - packets[i - 1].time;
        std::uint8_t ctl = static_cast<std::uint8_t>(time_bits(gap) | extra_ctl);
        if (is_ipv6(packets[i].ip) != own_b4) ctl |= kCtlOtherSide;
        append_record(input, ctl, packets[i].ip);
    }
    return input;
}

// Every engine target gets the same sequence, each seen from its own side.
void write_engine_seeds(const fs::path& out, const std::string& name, const std::vector<Packet>& packets,
                        std::uint8_t extra_ctl = 0) {
    write(out / "b4", name, engine_input(packets, 0, true, extra_ctl));
    write(out / "b4", name + "-adf", engine_input(packets, kSelectorAdf, true, extra_ctl));
    write(out / "uplink", name, engine_input(packets, 0, false, extra_ctl));
    write(out / "uplink", name + "-adf", engine_input(packets, kSelectorAdf, false, extra_ctl));
    // Burst size index 7 (64) and 2 (3): one burst per side run, and runs cut short.
    write(out / "burst", name, engine_input(packets, 7 << kSelectorBurstShift, true, extra_ctl));
    write(out / "burst", name + "-adf",
          engine_input(packets, kSelectorAdf | 2 << kSelectorBurstShift, true, extra_ctl));
    // The port-block and deterministic engines, from the B4 side and in bursts.
    for (const auto& [mode, suffix] : {std::pair{kSelectorPortBlocks, "-blocks"}, {kSelectorDeterministic, "-det"}}) {
        write(out / "b4", name + suffix, engine_input(packets, mode, true, extra_ctl));
        write(out / "burst", name + suffix,
              engine_input(packets, static_cast<std::uint8_t>(mode | 4 << kSelectorBurstShift), true, extra_ctl));
    }
}

std::vector<Packet> read_packets(const fs::path& file) {
    std::vector<Packet> packets;
    auto opened = dslite::CaptureReader::open(file.string());
    if (auto* error = std::get_if<std::string>(&opened)) {
        std::fprintf(stderr, "dslite-fuzz-seeds: %s\n", error->c_str());
        std::exit(1);
    }
    auto& reader = std::get<dslite::CaptureReader>(opened);
    while (auto captured = reader.next()) {
        packets.push_back({captured->timestamp, Bytes(captured->ip.begin(), captured->ip.end())});
    }
    return packets;
}

// --- seeds made here --------------------------------------------------------

Ipv6Header from_b4(int site) {
    // One subscriber per /56 at the default prefix length (and per /64 in ADF).
    char text[64];
    std::snprintf(text, sizeof text, "2001:db8:a:%x::2", site * 256);
    return {.source = v6(text), .destination = net::aftr};
}

Packet at(std::int64_t millis, Bytes ip) { return {std::chrono::microseconds{millis * 1000}, std::move(ip)}; }

std::vector<Packet> udp_flood(int sites, int flows) {
    std::vector<Packet> packets;
    for (int site = 0; site < sites; ++site)
        for (int flow = 0; flow < flows; ++flow)
            packets.push_back(
                at(0, softwire(from_b4(site), ipv4_udp({.source = v4("192.168.1.2"), .destination = net::server1},
                                                       {.source_port = static_cast<std::uint16_t>(5000 + flow),
                                                        .destination_port = 53,
                                                        .payload = text_bytes("q")}))));
    return packets;
}

std::vector<Packet> tcp_and_echo() {
    const Ipv4Header out{.source = v4("10.0.0.2"), .destination = net::server1};
    return {
        at(0, softwire(from_b4(1),
                       ipv4_tcp(out, {.source_port = 40000, .destination_port = 80, .seq = 1, .flags = w::tcp::syn}))),
        at(1, softwire(from_b4(1), ipv4_tcp(out, {.source_port = 40000,
                                                  .destination_port = 80,
                                                  .seq = 2,
                                                  .ack = 101,
                                                  .flags = w::tcp::ack,
                                                  .payload = text_bytes("GET /")}))),
        at(2, softwire(from_b4(1), ipv4_tcp(out, {.source_port = 40000,
                                                  .destination_port = 80,
                                                  .seq = 7,
                                                  .ack = 101,
                                                  .flags = w::tcp::fin | w::tcp::ack}))),
        at(3, softwire(from_b4(1), ipv4_icmp(out, {.type = w::icmp::echo_request, .identifier = 7, .sequence = 1}))),
        at(4, ipv6_icmp(from_b4(2), {.type = w::icmp::v6_echo_request, .identifier = 9, .sequence = 1})),
        at(5, softwire(from_b4(1), ipv4_udp({.source = v4("10.0.0.2"), .destination = v4("198.51.100.1")},
                                            {.source_port = 7, .destination_port = 40000}))),  // hairpin try
    };
}

// NAT-PMP requests to 192.0.0.1:5351 (port_control.cpp): the public address,
// TCP and UDP mappings with and without a wanted port, a renewal, a
// deletion, delete-all, a PCP MAP cut to its header, an unknown opcode and a
// request cut short, then an answer from the Internet to a mapped port.
std::vector<Packet> nat_pmp() {
    const auto request = [](std::int64_t t, Bytes payload) {
        return at(t,
                  softwire(from_b4(1),
                           ipv4_udp({.source = v4("10.0.0.2"), .destination = v4("192.0.0.1")},
                                    {.source_port = 5350, .destination_port = 5351, .payload = std::move(payload)})));
    };
    const auto map = nat_pmp_map_request;
    Bytes pcp(24, 0);
    pcp[0] = 2;
    pcp[1] = 1;
    return {request(0, {0, 0}),
            request(1, map(2, 8080, 40001, 3600)),
            request(2, map(1, 9000, 0, 600)),
            request(3, map(1, 9000, 0, 7200)),
            request(4, map(2, 8080, 0, 0)),
            request(5, map(1, 0, 0, 0)),
            request(6, pcp),
            request(7, {0, 77}),
            request(8, {0, 1, 0}),
            at(9, ipv4_udp({.source = net::server1, .destination = v4("198.51.100.1")},
                           {.source_port = 53, .destination_port = 40001, .payload = text_bytes("in")}))};
}

// PCP requests (pcp.cpp): ANNOUNCE, MAP with FILTER and PREFER_FAILURE, a
// renewal, PEER, THIRD_PARTY, a wrong client address, a bad option length,
// a deletion, then answers from the Internet to the mapped port.
std::vector<Packet> pcp() {
    const auto host = v4("10.0.0.2");
    const auto request = [&](std::int64_t t, PcpMessage m) {
        if (m.client.value == 0) m.client = host;
        return at(t, softwire(from_b4(1),
                              ipv4_udp({.source = host, .destination = v4("192.0.0.1")},
                                       {.source_port = 5350, .destination_port = 5351, .payload = pcp_request(m)})));
    };
    PcpMessage map{.lifetime = 3600, .protocol = 6, .internal_port = 8080, .suggested_port = 40001};
    map.options = pcp_filter(24, 0, net::server1);
    const Bytes prefer = pcp_option(2, {});
    map.options.insert(map.options.end(), prefer.begin(), prefer.end());
    PcpMessage bad_option = map;
    bad_option.options = {0x81, 0, 0, 40};
    PcpMessage removal = map;
    removal.lifetime = 0;
    removal.options.clear();
    return {request(0, {.opcode = 0, .lifetime = 0}),
            request(1, map),
            request(2, map),
            request(3, {.opcode = 2, .protocol = 17, .internal_port = 5000, .remote_port = 53, .remote = net::server1}),
            request(4, {.protocol = 17, .internal_port = 6000, .options = pcp_third_party(v4("10.0.0.3"))}),
            request(5, {.client = v4("10.0.0.9"), .protocol = 6, .internal_port = 8081}),
            request(6, bad_option),
            at(7, ipv4_tcp({.source = net::server1, .destination = v4("198.51.100.1")},
                           {.source_port = 6000, .destination_port = 40001, .flags = w::tcp::syn})),
            at(8, ipv4_tcp({.source = v4("203.0.113.99"), .destination = v4("198.51.100.1")},
                           {.source_port = 6000, .destination_port = 40001, .flags = w::tcp::syn})),
            request(9, removal)};
}

// An ICMP error from the Internet about a binding's packet; aimed at a live binding.
Bytes icmp_error_from_uplink() {
    const Bytes quoted = ipv4_udp({.source = v4("198.51.100.1"), .destination = net::server1},
                                  {.source_port = 40000, .destination_port = 53, .payload = text_bytes("q")});
    return ipv4_icmp({.source = v4("203.0.113.1"), .destination = v4("198.51.100.1")},
                     {.type = w::icmp::destination_unreachable, .code = 3, .body = quoted});
}

void write_made_seeds(const fs::path& out) {
    // Quotas, pool, binding table and subscriber table run out (see make_config in harness.cpp).
    write_engine_seeds(out, "made-udp-flood", udp_flood(20, 6), kCtlReflect);
    write_engine_seeds(out, "made-tcp-echo", tcp_and_echo(), kCtlReflect);
    write_engine_seeds(out, "made-nat-pmp", nat_pmp());
    write_engine_seeds(out, "made-pcp", pcp());
    // Uplink packets aimed at bindings the first record made.
    std::vector<Packet> aimed = udp_flood(1, 2);
    aimed.push_back(at(1, icmp_error_from_uplink()));
    aimed.push_back(at(2, ipv4_udp({.source = net::server1, .destination = v4("198.51.100.1")},
                                   {.source_port = 53, .destination_port = 40000, .payload = text_bytes("a")})));
    for (const char* target : {"b4", "uplink"}) {
        const bool own_b4 = std::string(target) == "b4";
        Bytes input{0};
        for (std::size_t i = 0; i < aimed.size(); ++i) {
            std::uint8_t ctl = is_ipv6(aimed[i].ip) ? 0 : kCtlAim | kCtlFix;
            if (is_ipv6(aimed[i].ip) != own_b4) ctl |= kCtlOtherSide;
            append_record(input, ctl, aimed[i].ip);
        }
        write(out / target, "made-aimed", input);
    }
    // Edge sizes: nothing, one byte, a bare IPv6 header with a lying length.
    for (const char* target : {"b4", "uplink", "burst"}) {
        write(out / target, "made-empty", Bytes{0, 0, 0, 0});
        write(out / target, "made-one-byte", Bytes{0, 0, 1, 0x60});
    }
}

// --- option seeds -----------------------------------------------------------

void write_option_seeds(const fs::path& out, const std::string& name, const std::string& flags) {
    const auto args = dslite::test::split_words(flags);
    Bytes argv;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (i) argv.push_back(0);
        argv.insert(argv.end(), args[i].begin(), args[i].end());
    }
    write(out / "options", name, argv);

    // The same as a config file ("name = value" lines), with an empty argv.
    std::string file;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (!args[i].starts_with("--")) continue;
        file += args[i].substr(2);
        if (i + 1 < args.size() && !args[i + 1].starts_with("--")) file += " = " + args[++i];
        file += "\n";
    }
    Bytes config{0, 0};
    config.insert(config.end(), file.begin(), file.end());
    write(out / "options", name + "-file", config);
}

// --- offload seeds ----------------------------------------------------------

// A TSO super-packet behind its virtio-net header (mode 0), and three
// in-order segments of one flow with a UDP datagram between (mode 1).
void write_offload_seeds(const fs::path& out) {
    const auto segment = [](std::uint32_t seq, std::size_t payload, std::uint16_t id) {
        Ipv4Header ip{v4("192.0.2.1"), v4("203.0.113.9")};
        ip.identification = id;
        ip.dont_fragment = true;
        TcpSegment t{40000, 443, seq, 1, w::tcp::ack};
        t.payload = Bytes(payload, 0x5a);
        return ipv4_tcp(ip, t);
    };
    const Bytes super = segment(1000, 4000, 7);
    Bytes cut{0, 1, 1, 40, 0, 0xdc, 0x05, 20, 0, 16, 0};  // NEEDS_CSUM, TCPV4, hdr 40, gso 1500 (little-endian)
    cut.insert(cut.end(), super.begin(), super.end());
    write(out / "offload", "tso-tcpv4", cut);
    Bytes join{1};
    const auto add = [&](const Bytes& p) {
        join.push_back(static_cast<std::uint8_t>(p.size() >> 8));
        join.push_back(static_cast<std::uint8_t>(p.size()));
        join.insert(join.end(), p.begin(), p.end());
    };
    add(segment(1, 1000, 1));
    add(ipv4_udp({v4("192.0.2.1"), v4("203.0.113.9")}, {1, 2, Bytes(20, 1)}));
    add(segment(1001, 1000, 2));
    add(segment(2001, 300, 3));
    write(out / "offload", "three-segments", join);
}

// --- shares seeds -----------------------------------------------------------

// Records [side][length:2][bytes] (fuzz_shares.cpp): a softwire packet, an
// answer, an ICMP error quoting one of ours, and a datagram in three
// fragments sent last first.
void write_shares_seeds(const fs::path& out) {
    Bytes records;
    const auto add = [&](std::uint8_t side, const Bytes& p) {
        records.push_back(side);
        records.push_back(static_cast<std::uint8_t>(p.size()));
        records.push_back(static_cast<std::uint8_t>(p.size() >> 8));
        records.insert(records.end(), p.begin(), p.end());
    };
    const dslite::Ipv4Address pool = v4("198.51.100.3");
    add(0, softwire({v6("2001:db8:a::2"), v6("2001:db8:ff::1")},
                    ipv4_udp({v4("192.168.1.10"), v4("203.0.113.10")}, {5000, 53, Bytes(8, 1)})));
    add(1, ipv4_udp({v4("203.0.113.10"), pool}, {53, 40000, Bytes(8, 2)}));
    add(1, ipv4_icmp({v4("203.0.113.1"), pool},
                     {3, 3, 0, 0, ipv4_udp({pool, v4("203.0.113.10")}, {2000, 53, Bytes(8, 3)})}));
    const Bytes whole = ipv4_udp({v4("203.0.113.10"), pool}, {53, 30000, Bytes(40, 4)});
    for (int part = 2; part >= 0; --part) {
        Ipv4Header h{v4("203.0.113.10"), pool};
        h.identification = 9;
        h.fragment_offset = static_cast<std::uint16_t>(part * 2);
        h.more_fragments = part < 2;
        const std::size_t from = 20 + part * 16, n = part < 2 ? 16 : whole.size() - from;
        add(part == 0 ? 1 | 0x80 : 1, ipv4_packet(h, w::proto_udp, {whole.data() + from, n}));
    }
    write(out / "shares", "both-sides-and-fragments", records);
}

// --- state seeds ------------------------------------------------------------

struct Discard final : dslite::Emitter {
    void emit(dslite::Side, std::span<const std::uint8_t>) override {}
};

// A valid state of each configuration (state_input.hpp): UDP, TCP and ICMP
// bindings of two subscribers, one of them gone so its port is held; under
// NAT-PMP a requested one. Each also with the reseal bit.
void write_state_seeds(const fs::path& out) {
    for (std::uint8_t selector = 0; selector < kStateConfigs; ++selector) {
        const dslite::EngineConfig c = state_config(selector);
        dslite::Engine engine(c);
        Discard discard;
        const auto send = [&](const dslite::Ipv6Address& b4, const Bytes& inner, std::int64_t second) {
            auto buffer = std::make_unique<dslite::PacketBuffer>();
            dslite::Packet p = buffer->holding(softwire({b4, c.aftr_address}, inner));
            engine.from_b4(p, std::chrono::seconds(10'000 + second), discard);
        };
        const auto host = v4("192.168.1.10");
        const auto server = v4("203.0.113.10");
        // Ports in engine 1's share of two under selector 4 come from the engine itself.
        send(v6("2001:db8:a::2"), ipv4_udp({host, server}, {5000, 53, Bytes(8, 1)}), 0);
        send(v6("2001:db8:b::2"), ipv4_udp({host, server}, {5001, 53, Bytes(8, 1)}), 0);
        TcpSegment syn;
        syn.source_port = 6000;
        syn.destination_port = 80;
        syn.flags = w::tcp::syn;
        send(v6("2001:db8:a::2"), ipv4_tcp({host, server}, syn), 200);
        send(v6("2001:db8:a::2"), ipv4_icmp({host, server}, {8, 0, 77, 1, Bytes(8, 2)}), 250);
        if (c.pcp_max_mappings)
            send(v6("2001:db8:a::2"),
                 ipv4_udp({host, dslite::test::net::aftr_v4}, {5350, 5351, nat_pmp_map_request(1, 7000, 0, 3600)}),
                 260);
        engine.advance(std::chrono::seconds(10'000 + 305));  // the two first UDP ones are gone: held
        std::vector<std::uint8_t> state = engine.save_state(std::chrono::seconds(10'000 + 305));
        Bytes input{selector};
        input.insert(input.end(), state.begin(), state.end());
        write(out / "state", "valid-" + std::to_string(selector), input);
        input[0] |= kStateReseal;
        write(out / "state", "resealed-" + std::to_string(selector), input);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: dslite-fuzz-seeds CAPTURES_DIR OUT_DIR\n");
        return 2;
    }
    const fs::path captures = argv[1];
    const fs::path out = argv[2];
    std::size_t scenarios = 0;
    for (const auto& entry : fs::directory_iterator(captures)) {
        const fs::path pcap = entry.path() / "in.pcap";
        const std::string name = entry.path().filename().string();
        if (fs::exists(pcap)) {
            const std::vector<Packet> packets = read_packets(pcap);
            write_engine_seeds(out, name, packets);
            write_engine_seeds(out, name + "-answered", packets, kCtlReflect);
            for (std::size_t i = 0; i < packets.size(); ++i)
                write_engine_seeds(out, name + "-" + std::to_string(i), {packets[i]});
            ++scenarios;
        }
        if (std::ifstream flags(entry.path() / "flags"); flags) {
            std::string text((std::istreambuf_iterator<char>(flags)), std::istreambuf_iterator<char>());
            write_option_seeds(out, name, text);
        }
    }
    write_made_seeds(out);
    write_offload_seeds(out);
    write_shares_seeds(out);
    write_state_seeds(out);
    write_option_seeds(out, "made-all",
                       "--aftr-address 2001:db8::1 --pool 192.0.2.0/28 --pool 198.51.100.0/30 --port-range 1024-2047 "
                       "--port-hold 60 --quota-tcp 10 --quota-udp 10 --quota-icmp 2 --udp-timeout 300 "
                       "--tcp-established-timeout 7440 --tcp-transitory-timeout 240 --icmp-timeout 60 "
                       "--filtering address-dependent --max-bindings 1000 --max-subscribers 100 "
                       "--b4-prefix 2001:db8:a::/48 --subscriber-prefix-length 64 --inner-prefix 100.64.0.0/10 "
                       "--seed 0x1234 --log-level debug");
    if (scenarios == 0) {
        std::fprintf(stderr, "dslite-fuzz-seeds: no */in.pcap under %s\n", captures.c_str());
        return 1;
    }
    std::printf("dslite-fuzz-seeds: seeds from %zu captures in %s\n", scenarios, out.c_str());
    return 0;
}
