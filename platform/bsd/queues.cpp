// SPDX-License-Identifier: BSD-2-Clause
// macOS, FreeBSD and OpenBSD: their tun and utun devices have one queue, so
// --threads above 1 is Linux's (system.hpp). Not run here: compiled for
// macOS by scripts/check-macos only.
#include "platform/system.hpp"

namespace dslite::platform {

std::optional<std::string> no_queues(const DeviceSpec&) {
    return std::string("has one queue: more threads than one need Linux's multi-queue TUNs");
}

std::variant<std::vector<std::unique_ptr<Device>>, std::string> open_interface_queues(const DeviceSpec& spec,
                                                                                      unsigned) {
    return *no_queues(spec);
}

}  // namespace dslite::platform
