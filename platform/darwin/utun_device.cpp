// SPDX-License-Identifier: BSD-2-Clause
// macOS utun: a kernel control socket per interface (xnu bsd/net/if_utun.c).
// The interface lives as long as the socket. Not run here: compiled against
// the macOS SDK headers by scripts/check-macos.
#include "platform/darwin/utun_device.hpp"

#include <net/if.h>
#include <net/if_utun.h>
#include <sys/ioctl.h>
#include <sys/kern_control.h>
#include <sys/socket.h>
#include <sys/sys_domain.h>

#include <cerrno>
#include <cstring>

#include "platform/posix/framed_tun_device.hpp"

namespace dslite::platform::darwin {

std::variant<std::unique_ptr<Device>, std::string> open_utun(const UtunSpec& spec) {
    const std::string what = spec.unit ? "utun:" + std::to_string(*spec.unit) : "utun";
    const auto failed = [&](const char* step) { return what + ": " + step + ": " + std::strerror(errno); };

    UniqueFd fd(::socket(PF_SYSTEM, SOCK_DGRAM, SYSPROTO_CONTROL));
    if (!fd || !set_nonblocking_cloexec(fd.get())) return failed("socket(PF_SYSTEM, SYSPROTO_CONTROL)");

    ctl_info info{};
    std::strncpy(info.ctl_name, UTUN_CONTROL_NAME, sizeof info.ctl_name - 1);
    if (::ioctl(fd.get(), CTLIOCGINFO, &info) < 0) return failed("CTLIOCGINFO " UTUN_CONTROL_NAME);

    sockaddr_ctl address{};
    address.sc_len = sizeof address;
    address.sc_family = AF_SYSTEM;
    address.ss_sysaddr = AF_SYS_CONTROL;
    address.sc_id = info.ctl_id;
    address.sc_unit = spec.unit ? *spec.unit + 1 : 0;  // utunN is unit N + 1; 0 asks for the next free
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) < 0)
        return failed(spec.unit ? "connect (is it in use?)" : "connect");

    char name[IFNAMSIZ] = {};
    socklen_t length = sizeof name;
    if (::getsockopt(fd.get(), SYSPROTO_CONTROL, UTUN_OPT_IFNAME, name, &length) < 0)
        return failed("getsockopt(UTUN_OPT_IFNAME)");
    const std::string interface(name, ::strnlen(name, sizeof name));
    const std::string unit = interface.substr(4);  // "utun3" -> "3"
    return std::make_unique<FramedTunDevice>(std::move(fd), "utun:" + unit, interface, kDarwinFamilies);
}

}  // namespace dslite::platform::darwin
