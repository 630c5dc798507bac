// SPDX-License-Identifier: BSD-2-Clause
// OpenBSD tun devices (tun:tunN); see platform/posix/framed_tun_device.hpp
// for how their packets are framed.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "platform/device.hpp"
#include "platform/device_spec.hpp"

namespace dslite::platform::openbsd {

// Why `name` is not tunN, or nothing.
std::optional<std::string> bad_name(const std::string& name);

std::variant<std::unique_ptr<Device>, std::string> open_tun(const TunSpec& spec);

}  // namespace dslite::platform::openbsd
