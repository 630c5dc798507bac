// SPDX-License-Identifier: BSD-2-Clause
#include "platform/device_factory.hpp"

#include <charconv>

#include "platform/posix/capture_device.hpp"
#include "platform/posix/udp_device.hpp"
#include "platform/system.hpp"

namespace dslite::platform {

std::variant<DeviceSpec, std::string> parse_device_spec_on_any_system(std::string_view option, std::string_view text) {
    const std::string prefix = std::string(option) + ": ";
    const std::string quoted = "'" + std::string(text) + "'";
    if (text == "raw") return RawSpec{};
    if (text == "tun") return TunSpec{};
    if (text.starts_with("tun:")) {
        const auto name = text.substr(4);
        // IFNAMSIZ - 1 on every OS here; '/' and whitespace are refused by the kernels anyway.
        if (name.empty() || name.size() > 15 || name.find_first_of("/ \t:") != std::string_view::npos)
            return prefix + "bad TUN name in " + quoted + " (1-15 characters, no '/', ':' or spaces)";
        return TunSpec{std::string(name)};
    }
    if (text == "utun") return UtunSpec{};
    if (text.starts_with("utun:")) {
        const auto digits = text.substr(5);
        unsigned unit = 0;
        const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), unit);
        // sc_unit is N + 1 in a 32-bit field; 65535 is far more utuns than anyone opens.
        if (digits.empty() || error != std::errc{} || end != digits.data() + digits.size() || unit > 65535)
            return prefix + "bad utun unit in " + quoted + " (expected utun:N, N from 0 to 65535)";
        return UtunSpec{unit};
    }
    if (text.starts_with("udp:")) {
        auto where = split_host_port(text.substr(4));
        if (!where || where->port == 0) return prefix + "bad address in " + quoted + " (expected udp:[ADDR]:PORT)";
        return UdpSpec{std::move(*where)};
    }
    if (text.starts_with("pcap:")) {
        const auto files = text.substr(5);
        const auto comma = files.find(',');
        PcapSpec spec{std::string(files.substr(0, comma)),
                      comma == std::string_view::npos ? std::string() : std::string(files.substr(comma + 1))};
        if (spec.input.empty() || (comma != std::string_view::npos && spec.output.empty()))
            return prefix + "bad capture files in " + quoted + " (expected pcap:IN[,OUT])";
        return spec;
    }
    return prefix + "unknown device " + quoted + " (expected " + device_forms() + ")";
}

std::string device_forms() {
    const bool raw = !unsupported(RawSpec{});
    return std::string(interface_forms()) + (raw ? ", raw" : "") + ", udp:[ADDR]:PORT or pcap:IN[,OUT]";
}

std::string uplink_forms() { return std::string(interface_forms()) + " or pcap:IN[,OUT]"; }

std::variant<DeviceSpec, std::string> parse_device_spec(std::string_view option, std::string_view text) {
    auto spec = parse_device_spec_on_any_system(option, text);
    if (const auto* parsed = std::get_if<DeviceSpec>(&spec)) {
        if (auto why = unsupported(*parsed)) return std::string(option) + ": " + *why;
    }
    return spec;
}

std::variant<std::unique_ptr<Device>, std::string> open_device(std::string_view option, const DeviceSpec& spec,
                                                               const DeviceContext& context) {
    if (const auto* udp = std::get_if<UdpSpec>(&spec)) {
        auto address = resolve(udp->listen);
        if (auto* error = std::get_if<std::string>(&address)) return std::string(option) + ": " + *error;
        return as_device(UdpDevice::listen(std::get<SocketAddress>(address)), option);
    }
    if (const auto* pcap = std::get_if<PcapSpec>(&spec))
        return as_device(CaptureDevice::open(pcap->input, pcap->output), option);
    if (auto why = unsupported(spec)) return std::string(option) + ": " + *why;
    return as_device(open_interface_device(spec, context.local_address), option);
}

std::variant<std::vector<std::unique_ptr<Device>>, std::string> open_device_queues(std::string_view option,
                                                                                   const DeviceSpec& spec,
                                                                                   const DeviceContext& context,
                                                                                   unsigned count) {
    if (count == 1) {
        auto opened = open_device(option, spec, context);
        if (auto* e = std::get_if<std::string>(&opened)) return std::move(*e);
        std::vector<std::unique_ptr<Device>> one;
        one.push_back(std::move(std::get<std::unique_ptr<Device>>(opened)));
        return one;
    }
    if (auto why = no_queues(spec)) return std::string(option) + ": " + *why;
    auto opened = open_interface_queues(spec, count);
    if (auto* e = std::get_if<std::string>(&opened)) return std::string(option) + ": " + *e;
    return std::move(std::get<std::vector<std::unique_ptr<Device>>>(opened));
}

std::variant<std::unique_ptr<Device>, std::string> make_device(std::string_view option, std::string_view text,
                                                               const DeviceContext& context) {
    auto spec = parse_device_spec(option, text);
    if (auto* error = std::get_if<std::string>(&spec)) return std::move(*error);
    return open_device(option, std::get<DeviceSpec>(spec), context);
}

}  // namespace dslite::platform
