#include "platform/device_factory.hpp"

#include "platform/linux/capture_device.hpp"
#include "platform/linux/raw_device.hpp"
#include "platform/linux/tun_device.hpp"
#include "platform/linux/udp_device.hpp"

namespace dslite::platform {
namespace {

constexpr std::string_view kExpected = "expected tun:NAME, raw, udp:[ADDR]:PORT or pcap:IN[,OUT]";

template <typename Concrete>
std::variant<std::unique_ptr<Device>, std::string> as_device(std::string_view option,
                                                             std::variant<std::unique_ptr<Concrete>, std::string> r) {
    if (auto* error = std::get_if<std::string>(&r)) return std::string(option) + ": " + *error;
    return std::unique_ptr<Device>(std::move(std::get<std::unique_ptr<Concrete>>(r)));
}

}  // namespace

std::variant<DeviceSpec, std::string> parse_device_spec(std::string_view option, std::string_view text) {
    const std::string prefix = std::string(option) + ": ";
    const std::string quoted = "'" + std::string(text) + "'";
    if (text == "raw") return RawSpec{};
    if (text.starts_with("tun:")) {
        const auto name = text.substr(4);
        // IFNAMSIZ - 1; '/' and whitespace are refused by the kernel anyway.
        if (name.empty() || name.size() > 15 || name.find_first_of("/ \t:") != std::string_view::npos)
            return prefix + "bad TUN name in " + quoted + " (1-15 characters, no '/', ':' or spaces)";
        return TunSpec{std::string(name)};
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
    return prefix + "unknown device " + quoted + " (" + std::string(kExpected) + ")";
}

std::variant<std::unique_ptr<Device>, std::string> open_device(std::string_view option, const DeviceSpec& spec,
                                                               const DeviceContext& context) {
    if (const auto* tun = std::get_if<TunSpec>(&spec)) return as_device(option, TunDevice::open(tun->interface));
    if (std::holds_alternative<RawSpec>(spec)) return as_device(option, RawDevice::open(context.local_address));
    if (const auto* udp = std::get_if<UdpSpec>(&spec)) {
        auto address = resolve(udp->listen);
        if (auto* error = std::get_if<std::string>(&address)) return std::string(option) + ": " + *error;
        return as_device(option, UdpDevice::listen(std::get<SocketAddress>(address)));
    }
    const auto& pcap = std::get<PcapSpec>(spec);
    return as_device(option, CaptureDevice::open(pcap.input, pcap.output));
}

std::variant<std::unique_ptr<Device>, std::string> make_device(std::string_view option, std::string_view text,
                                                               const DeviceContext& context) {
    auto spec = parse_device_spec(option, text);
    if (auto* error = std::get_if<std::string>(&spec)) return std::move(*error);
    return open_device(option, std::get<DeviceSpec>(spec), context);
}

}  // namespace dslite::platform
