// SPDX-License-Identifier: BSD-2-Clause
// FreeBSD tun(4): /dev/tun clones the next free tunN, /dev/NAME makes or
// attaches to NAME. TUNSIFHEAD puts the address-family header before each
// packet. A tun outlives its descriptor on FreeBSD, so one made here is
// destroyed when the device closes. Written from tun(4), devname(3) and
// wireguard-go's tun_freebsd.go; not compiled or run here.
#include "platform/freebsd/tun_device.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <net/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/sockio.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <functional>

#include "platform/posix/framed_tun_device.hpp"

namespace dslite::platform::freebsd {
namespace {

void destroy_interface(const std::string& interface) {
    UniqueFd control(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq request{};
    std::strncpy(request.ifr_name, interface.c_str(), sizeof request.ifr_name - 1);
    if (control) ::ioctl(control.get(), SIOCIFDESTROY, &request);
}

}  // namespace

std::variant<std::unique_ptr<Device>, std::string> open_tun(const TunSpec& spec) {
    const std::string path = "/dev/" + (spec.interface.empty() ? std::string("tun") : spec.interface);
    const std::string what = spec.interface.empty() ? "tun" : "tun:" + spec.interface;
    const auto failed = [&](const std::string& step) { return what + ": " + step + ": " + std::strerror(errno); };

    // Asked first, as on Linux: only a tun made here is ours to destroy.
    const bool existed = !spec.interface.empty() && ::if_nametoindex(spec.interface.c_str()) != 0;
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!fd) return failed("open " + path);

    char name[IFNAMSIZ] = {};
    if (::fdevname_r(fd.get(), name, sizeof name) == nullptr) return failed("devname");
    const std::string interface(name);

    const int on = 1;
    if (::ioctl(fd.get(), TUNSIFHEAD, &on) < 0) return failed("TUNSIFHEAD");
    // A new tun is point-to-point already; one that is up refuses the change
    // (EBUSY), and whoever brought it up chose its mode.
    int mode = IFF_POINTOPOINT | IFF_MULTICAST;
    if (::ioctl(fd.get(), TUNSIFMODE, &mode) < 0 && errno != EBUSY) return failed("TUNSIFMODE");

    std::function<void()> after_close;
    if (!existed) after_close = [interface] { destroy_interface(interface); };
    return std::make_unique<FramedTunDevice>(std::move(fd), "tun:" + interface, interface, kFreeBsdFamilies,
                                             std::move(after_close));
}

}  // namespace dslite::platform::freebsd
