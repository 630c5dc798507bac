// SPDX-License-Identifier: BSD-2-Clause
// macOS utun devices (utun, utun:N); see platform/posix/framed_tun_device.hpp
// for how their packets are framed.
#pragma once

#include <memory>
#include <string>
#include <variant>

#include "platform/device.hpp"
#include "platform/device_spec.hpp"

namespace dslite::platform::darwin {

std::variant<std::unique_ptr<Device>, std::string> open_utun(const UtunSpec& spec);

}  // namespace dslite::platform::darwin
