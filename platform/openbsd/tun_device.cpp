// SPDX-License-Identifier: BSD-2-Clause
// OpenBSD tun(4): opening /dev/tunN makes tunN, closing it destroys it; the
// address-family header is always there. Written from tun(4) and
// wireguard-go's tun_openbsd.go; not compiled or run here.
#include "platform/openbsd/tun_device.hpp"

#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include "platform/posix/framed_tun_device.hpp"

namespace dslite::platform::openbsd {

std::optional<std::string> bad_name(const std::string& name) {
    const bool digits = name.size() > 3 && name.find_first_not_of("0123456789", 3) == std::string::npos;
    if (name.starts_with("tun") && digits) return std::nullopt;
    return "OpenBSD names its tun devices tunN (tun:tun0)";
}

std::variant<std::unique_ptr<Device>, std::string> open_tun(const TunSpec& spec) {
    const std::string what = "tun:" + spec.interface;
    if (auto why = bad_name(spec.interface)) return what + ": " + *why;
    const std::string path = "/dev/" + spec.interface;
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    // EBUSY: one process at a time may hold a tun.
    if (!fd) return what + ": open " + path + ": " + std::strerror(errno);
    return std::make_unique<FramedTunDevice>(std::move(fd), what, spec.interface, kOpenBsdFamilies);
}

}  // namespace dslite::platform::openbsd
