// SPDX-License-Identifier: BSD-2-Clause
// FreeBSD tun devices (tun, tun:NAME); see platform/posix/framed_tun_device.hpp
// for how their packets are framed.
#pragma once

#include <memory>
#include <string>
#include <variant>

#include "platform/device.hpp"
#include "platform/device_spec.hpp"

namespace dslite::platform::freebsd {

std::variant<std::unique_ptr<Device>, std::string> open_tun(const TunSpec& spec);

}  // namespace dslite::platform::freebsd
