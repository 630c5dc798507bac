// SPDX-License-Identifier: BSD-2-Clause
// dslite-lab-blast: the load generator and counter of bench/lab-throughput.
//
//   send --to ADDR:PORT [--from ADDR:PORT] [--size N] [--seconds S] [--rate PPS]
//       UDP datagrams of N payload bytes as fast as sendmmsg takes them (or
//       paced to PPS) for S seconds; prints "sent P seconds S pps R cpu C".
//   send --softwire B4-IPV6 AFTR-IPV6 --from IPV4:PORT --to IPV4:PORT ...
//       the same datagram already inside IPv6 (next header 4), sent from a B4
//       address straight to the AFTR through a raw socket: no B4 program in
//       the path, so the AFTR alone is measured. --b4s K: from K B4 addresses,
//       B4-IPV6 and the K-1 after it, a burst from each in turn (K subscribers
//       for an AFTR whose subscriber prefix length is 128).
//   sink --bind ADDR:PORT [--wait S] [--idle S]
//   sink --softwire B4-IPV6 --port PORT ...
//       counts datagrams (for --softwire: softwire packets whose inner UDP
//       goes to PORT) from the first one until none came for --idle seconds,
//       or none at all within --wait; prints "received P from ADDR:PORT",
//       the first sender (the AFTR's public address and port, seen from the
//       server), or "-".
//
// Only to addresses given on the command line; bounded by --seconds.
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "dslite/address.hpp"
#include "dslite/checksum.hpp"
#include "dslite/wire.hpp"
#include "platform/posix/socket_address.hpp"
#include "platform/posix/unique_fd.hpp"

namespace {

using namespace dslite;
using platform::SocketAddress;
using platform::UniqueFd;

constexpr std::size_t kBatch = 64;
constexpr std::size_t kMaxPayload = 1400;

struct Args {
    std::string mode;
    std::optional<SocketAddress> to, from, bind;
    std::optional<Ipv6Address> b4, aftr;
    std::uint16_t port = 0;
    std::size_t size = 64;
    unsigned b4s = 1;
    double seconds = 10, rate = 0, wait = 5, idle = 1;
};

[[noreturn]] void fail(const std::string& line) {
    std::fprintf(stderr, "dslite-lab-blast: %s\n", line.c_str());
    std::exit(2);
}

SocketAddress endpoint(const char* option, std::string_view text) {
    const auto hp = platform::split_host_port(text);
    if (!hp) fail(std::string(option) + ": '" + std::string(text) + "' is not ADDR:PORT");
    auto resolved = platform::resolve(*hp);
    if (auto* e = std::get_if<std::string>(&resolved)) fail(std::string(option) + ": " + *e);
    return std::get<SocketAddress>(resolved);
}

Ipv6Address ipv6(const char* option, std::string_view text) {
    const auto a = parse_ipv6(text);
    if (!a) fail(std::string(option) + ": '" + std::string(text) + "' is not an IPv6 address");
    return *a;
}

double number(const char* option, const char* text) {
    char* end = nullptr;
    const double v = std::strtod(text, &end);
    if (*text == '\0' || *end != '\0' || v < 0) fail(std::string(option) + ": '" + text + "' is not a number");
    return v;
}

Args parse(int argc, char* argv[]) {
    if (argc < 2) fail("usage: dslite-lab-blast send|sink OPTIONS (see the comment at the top of lab_blast.cpp)");
    Args a;
    a.mode = argv[1];
    if (a.mode != "send" && a.mode != "sink") fail("mode: '" + a.mode + "' is not send or sink");
    for (int i = 2; i < argc; ++i) {
        const std::string_view o = argv[i];
        const auto next = [&]() -> const char* {
            if (i + 1 >= argc) fail(std::string(o) + ": needs a value");
            return argv[++i];
        };
        if (o == "--to")
            a.to = endpoint("--to", next());
        else if (o == "--from")
            a.from = endpoint("--from", next());
        else if (o == "--bind")
            a.bind = endpoint("--bind", next());
        else if (o == "--softwire") {
            a.b4 = ipv6("--softwire", next());
            if (a.mode == "send") a.aftr = ipv6("--softwire", next());
        } else if (o == "--port")
            a.port = static_cast<std::uint16_t>(number("--port", next()));
        else if (o == "--size")
            a.size = static_cast<std::size_t>(number("--size", next()));
        else if (o == "--seconds")
            a.seconds = number("--seconds", next());
        else if (o == "--rate")
            a.rate = number("--rate", next());
        else if (o == "--b4s")
            a.b4s = static_cast<unsigned>(number("--b4s", next()));
        else if (o == "--wait")
            a.wait = number("--wait", next());
        else if (o == "--idle")
            a.idle = number("--idle", next());
        else
            fail("unknown option '" + std::string(o) + "'");
    }
    if (a.size < 1 || a.size > kMaxPayload) fail("--size: 1 to 1400 bytes");
    if (a.seconds <= 0 || a.seconds > 120) fail("--seconds: more than 0, at most 120");
    return a;
}

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

sockaddr_in6 sockaddr_of(const Ipv6Address& a) {
    sockaddr_in6 s{};
    s.sin6_family = AF_INET6;
    std::memcpy(&s.sin6_addr, a.data(), 16);
    return s;
}

UniqueFd open_socket(int family, int type, int protocol) {
    UniqueFd fd(::socket(family, type, protocol));
    if (!fd) fail(std::string("socket: ") + std::strerror(errno));
    return fd;
}

// An IPv4 + UDP datagram with correct checksums, for the softwire sender.
std::vector<std::uint8_t> inner_datagram(const SocketAddress& from, const SocketAddress& to, std::size_t size) {
    if (from.family() != AF_INET || to.family() != AF_INET) fail("--softwire: --from and --to are IPv4 ADDR:PORT");
    using namespace wire;
    std::vector<std::uint8_t> p(ipv4::min_header_size + udp::header_size + size, 0x5a);
    std::uint8_t* ip = p.data();
    ip[0] = 0x45;
    ip[ipv4::tos] = 0;
    store16(ip + ipv4::total_length, static_cast<std::uint16_t>(p.size()));
    store32(ip + ipv4::identification, 0);
    ip[ipv4::ttl] = 64;
    ip[ipv4::protocol] = IPPROTO_UDP;
    store16(ip + ipv4::checksum, 0);
    std::memcpy(ip + ipv4::source, &from.address.v4.sin_addr, 4);
    std::memcpy(ip + ipv4::destination, &to.address.v4.sin_addr, 4);
    store16(ip + ipv4::checksum, checksum({ip, ipv4::min_header_size}));
    std::uint8_t* u = ip + ipv4::min_header_size;
    std::memcpy(u + l4::source_port, &from.address.v4.sin_port, 2);
    std::memcpy(u + l4::destination_port, &to.address.v4.sin_port, 2);
    const auto length = static_cast<std::uint16_t>(udp::header_size + size);
    store16(u + udp::length, length);
    store16(u + udp::checksum, 0);
    std::uint16_t sum =
        checksum({u, length}, pseudo_header_ipv4(ip + ipv4::source, ip + ipv4::destination, IPPROTO_UDP, length));
    store16(u + udp::checksum, sum == 0 ? 0xffff : sum);
    return p;
}

int send(const Args& a) {
    if (!a.to) fail("send: --to is required");
    std::vector<UniqueFd> fds;
    std::vector<std::uint8_t> packet;
    if (a.b4) {  // the softwire: the kernel adds the IPv6 header, next header 4
        if (!a.from) fail("send --softwire: --from IPV4:PORT is required");
        if (a.b4s < 1 || a.b4s > 4096) fail("--b4s: 1 to 4096");
        packet = inner_datagram(*a.from, *a.to, a.size);
        for (unsigned i = 0; i < a.b4s; ++i) {
            Ipv6Address address = *a.b4;
            const unsigned low = (address[14] << 8 | address[15]) + i;
            address[14] = static_cast<std::uint8_t>(low >> 8);
            address[15] = static_cast<std::uint8_t>(low);
            UniqueFd& fd = fds.emplace_back(open_socket(AF_INET6, SOCK_RAW, IPPROTO_IPIP));
            const sockaddr_in6 b4 = sockaddr_of(address), aftr = sockaddr_of(*a.aftr);
            if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&b4), sizeof b4) != 0)
                fail(std::string("--softwire: bind to the B4 address ") + to_string(address) + ": " +
                     std::strerror(errno));
            if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&aftr), sizeof aftr) != 0)
                fail(std::string("--softwire: connect to the AFTR: ") + std::strerror(errno));
        }
    } else {
        UniqueFd& fd = fds.emplace_back();
        packet.assign(a.size, 0x5a);
        fd = open_socket(a.to->family(), SOCK_DGRAM, 0);
        if (a.from && ::bind(fd.get(), a.from->get(), a.from->length) != 0)
            fail(std::string("--from: bind: ") + std::strerror(errno));
        if (::connect(fd.get(), a.to->get(), a.to->length) != 0)
            fail(std::string("--to: connect: ") + std::strerror(errno));
    }

    std::array<iovec, kBatch> iov{};
    std::array<mmsghdr, kBatch> msgs{};
    for (std::size_t i = 0; i < kBatch; ++i) {
        iov[i] = {packet.data(), packet.size()};
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration<double>(a.seconds);
    const double cpu0 = cpu_seconds();
    std::uint64_t sent = 0, refused = 0;
    std::size_t turn = 0;
    for (auto now = start; now < end; now = Clock::now()) {
        const int n = ::sendmmsg(fds[turn++ % fds.size()].get(), msgs.data(), kBatch, 0);
        if (n > 0) {
            sent += static_cast<std::uint64_t>(n);
        } else if (errno == ENOBUFS || errno == EAGAIN || errno == ECONNREFUSED) {
            ++refused;  // a full queue or an ICMP error from a previous run: go on
        } else {
            fail(std::string("sendmmsg: ") + std::strerror(errno));
        }
        if (a.rate > 0) std::this_thread::sleep_until(start + std::chrono::duration<double>(sent / a.rate));
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("sent %llu seconds %.6f pps %.0f cpu %.2f refused %llu\n", static_cast<unsigned long long>(sent),
                seconds, sent / seconds, cpu_seconds() - cpu0, static_cast<unsigned long long>(refused));
    return 0;
}

int sink(const Args& a) {
    UniqueFd fd;
    if (a.b4) {
        if (a.port == 0) fail("sink --softwire: --port is required");
        fd = open_socket(AF_INET6, SOCK_RAW, IPPROTO_IPIP);
        const sockaddr_in6 b4 = sockaddr_of(*a.b4);
        if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&b4), sizeof b4) != 0)
            fail(std::string("--softwire: bind: ") + std::strerror(errno));
    } else {
        if (!a.bind) fail("sink: --bind is required");
        fd = open_socket(a.bind->family(), SOCK_DGRAM, 0);
        const int one = 1;
        ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd.get(), a.bind->get(), a.bind->length) != 0) fail(std::string("--bind: ") + std::strerror(errno));
    }
    const int buffer = 8 << 20;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer);

    std::vector<std::array<std::uint8_t, 2048>> buffers(kBatch);
    std::array<iovec, kBatch> iov{};
    std::array<mmsghdr, kBatch> msgs{};
    std::array<sockaddr_storage, kBatch> peers{};
    std::uint64_t received = 0;
    std::string first = "-";
    bool started = false;
    for (;;) {
        pollfd p{fd.get(), POLLIN, 0};
        const double timeout = started ? a.idle : a.wait;
        if (::poll(&p, 1, static_cast<int>(timeout * 1000)) <= 0) break;
        for (std::size_t i = 0; i < kBatch; ++i) {
            iov[i] = {buffers[i].data(), buffers[i].size()};
            msgs[i].msg_hdr = {};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &peers[i];
            msgs[i].msg_hdr.msg_namelen = sizeof peers[i];
        }
        const int n = ::recvmmsg(fd.get(), msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (n <= 0) continue;
        for (int i = 0; i < n; ++i) {
            if (a.b4) {  // count only our datagrams: inner UDP to --port
                using namespace wire;
                const std::uint8_t* ip = buffers[i].data();
                const std::size_t length = msgs[i].msg_len;
                if (length < ipv4::min_header_size + udp::header_size || ip[ipv4::protocol] != IPPROTO_UDP) continue;
                const std::size_t ihl = ipv4::header_length(ip);
                if (length < ihl + udp::header_size || load16(ip + ihl + l4::destination_port) != a.port) continue;
            }
            if (!started) {
                started = true;
                SocketAddress peer;
                std::memcpy(&peer.address, &peers[i], sizeof peer.address);
                peer.length = msgs[i].msg_hdr.msg_namelen;
                if (!a.b4) first = platform::to_string(peer);
            }
            ++received;
        }
    }
    std::printf("received %llu from %s\n", static_cast<unsigned long long>(received), first.c_str());
    return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
    const Args a = parse(argc, argv);
    return a.mode == "send" ? send(a) : sink(a);
}
