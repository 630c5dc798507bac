// SPDX-License-Identifier: BSD-2-Clause
#include "replay.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <memory>

#include "counters_output.hpp"
#include "dslite/engine.hpp"
#include "dslite/packet.hpp"
#include "pcap/capture_reader.hpp"
#include "pcap/capture_writer.hpp"

namespace dslite::app {

namespace {

// Writes every packet leaving the engine, the verdict's and the extra ones,
// to its side's file with the timestamp of the packet that caused it.
class CaptureEmitter final : public Emitter {
public:
    CaptureEmitter(CaptureWriter* b4, CaptureWriter* uplink) : b4_(b4), uplink_(uplink) {}

    void set_time(Time t) { now_ = t; }
    void emit(Side to, std::span<const std::uint8_t> packet) override {
        CaptureWriter* writer = to == Side::b4 ? b4_ : uplink_;
        if (writer) writer->write(packet, now_);
        ++(to == Side::b4 ? to_b4_ : to_uplink_);
    }
    std::uint64_t to_b4() const { return to_b4_; }
    std::uint64_t to_uplink() const { return to_uplink_; }

private:
    CaptureWriter* b4_;
    CaptureWriter* uplink_;
    Time now_{};
    std::uint64_t to_b4_ = 0;
    std::uint64_t to_uplink_ = 0;
};

// Opens an output file if one was asked for; false after printing why not.
bool create_output(const std::string& path, const char* option, std::optional<CaptureWriter>& writer,
                   std::ostream& err) {
    if (path.empty()) return true;
    auto created = CaptureWriter::create(path);
    if (auto* error = std::get_if<std::string>(&created)) {
        err << "dslite-aftr: " << option << ": " << *error << '\n';
        return false;
    }
    writer.emplace(std::get<CaptureWriter>(std::move(created)));
    return true;
}

std::string value_of(const po::variables_map& values, const char* name) {
    return values.count(name) ? values[name].as<std::string>() : std::string();
}

}  // namespace

po::options_description replay_options() {
    po::options_description d("Offline replay");
    d.add_options()  //
        ("replay", po::value<std::string>()->value_name("FILE"),
         "run the engine over capture FILE instead of devices: IPv6 packets come from B4s, IPv4 from the "
         "uplink, timestamps are the clock")                                                                         //
        ("out-b4", po::value<std::string>()->value_name("FILE"), "write packets sent to B4s to FILE (raw IP pcap)")  //
        ("out-uplink", po::value<std::string>()->value_name("FILE"),
         "write packets sent to the uplink to FILE (raw IP pcap)")  //
        ("counters-json", po::value<std::string>()->value_name("FILE"), "write every counter to FILE as a JSON object");
    return d;
}

Parsed<std::optional<ReplaySettings>> replay_settings(const po::variables_map& values) {
    if (!values.count("replay")) {
        for (const char* name : {"out-b4", "out-uplink", "counters-json"})
            if (values.count(name)) return OptionError{std::string(name) + ": only works with --replay"};
        return std::optional<ReplaySettings>();
    }
    ReplaySettings s{value_of(values, "replay"), value_of(values, "out-b4"), value_of(values, "out-uplink"),
                     value_of(values, "counters-json")};
    if (s.input.empty()) return OptionError{"replay: needs a capture file name"};
    return std::optional<ReplaySettings>(std::move(s));
}

int run_replay(const ReplaySettings& settings, const std::vector<daemon::SinkSpec>& binding_log,
               const EngineConfig& given, std::ostream& out, std::ostream& err) {
    auto opened = CaptureReader::open(settings.input);
    if (auto* error = std::get_if<std::string>(&opened)) {
        err << "dslite-aftr: replay: " << *error << '\n';
        return 2;
    }
    auto& reader = std::get<CaptureReader>(opened);
    std::optional<CaptureWriter> b4_file;
    std::optional<CaptureWriter> uplink_file;
    if (!create_output(settings.out_b4, "out-b4", b4_file, err)) return 2;
    if (!create_output(settings.out_uplink, "out-uplink", uplink_file, err)) return 2;
    std::ofstream json;
    if (!settings.counters_json.empty()) {
        json.open(settings.counters_json);
        if (!json) {
            err << "dslite-aftr: counters-json: cannot write '" << settings.counters_json << "'\n";
            return 2;
        }
    }

    EngineConfig config = given;
    int status_on_log = 0;
    std::unique_ptr<daemon::BindingLog> log;
    if (binding_log.empty()) {
        config.event_ring = 0;
    } else {
        auto opened = daemon::BindingLog::open(binding_log, daemon::limits_of(config));
        if (auto* error = std::get_if<std::string>(&opened)) {
            err << "dslite-aftr: log-bindings: " << *error << '\n';
            return 2;
        }
        log = std::move(std::get<std::unique_ptr<daemon::BindingLog>>(opened));
    }
    Engine engine(config);
    std::vector<Event> events(config.event_ring);
    // The capture's clock is the wall clock the records were made at.
    const auto write_log = [&] {
        if (!log) return;
        const auto wall = [](std::int64_t us) { return daemon::WallTime(std::chrono::microseconds(us)); };
        for (std::size_t n; (n = engine.events()->pop(events)) != 0;)
            log->write(std::span<const Event>(events.data(), n), wall);
    };
    CaptureEmitter emitter(b4_file ? &*b4_file : nullptr, uplink_file ? &*uplink_file : nullptr);
    auto buffer = std::make_unique<PacketBuffer>();
    std::optional<Time> clock;
    std::uint64_t from_b4 = 0, from_uplink = 0, oversize = 0, cut_short = 0, backwards = 0;

    while (auto captured = reader.next()) {
        if (captured->ip.size() > kMaxPacket) {
            ++oversize;
            continue;
        }
        cut_short += captured->truncated;
        // Merged captures can step back in time; the engine's timers only go forward.
        if (clock && captured->timestamp < *clock) ++backwards;
        clock = clock ? std::max(*clock, captured->timestamp) : captured->timestamp;
        emitter.set_time(captured->timestamp);

        std::memcpy(buffer->payload(), captured->ip.data(), captured->ip.size());
        Packet packet = buffer->packet(captured->ip.size());
        const bool from_a_b4 = captured->ip[0] >> 4 == 6;  // the reader yields only IPv4 and IPv6
        ++(from_a_b4 ? from_b4 : from_uplink);
        const Verdict verdict =
            from_a_b4 ? engine.from_b4(packet, *clock, emitter) : engine.from_uplink(packet, *clock, emitter);
        if (verdict == Verdict::to_b4) emitter.emit(Side::b4, packet.bytes());
        if (verdict == Verdict::to_uplink) emitter.emit(Side::uplink, packet.bytes());
        write_log();
    }
    if (clock) engine.advance(*clock);
    write_log();
    if (log) {
        log->flush();
        if (log->stats().failed) {
            err << "dslite-aftr: log-bindings: " << log->stats().failed << " records could not be written\n";
            status_on_log = 1;
        }
    }

    int status = status_on_log;
    if (!reader.error().empty()) {
        err << "dslite-aftr: replay: " << reader.error() << '\n';
        status = 1;
    }
    for (auto* file : {&b4_file, &uplink_file}) {
        if (!*file) continue;
        if (auto error = (*file)->flush()) {
            err << "dslite-aftr: " << *error << '\n';
            status = 1;
        }
    }

    spdlog::info("replay: {} frames read: {} from B4s, {} from the uplink, {} without IP skipped", reader.frames(),
                 from_b4, from_uplink, reader.skipped());
    spdlog::info("replay: {} packets to B4s, {} to the uplink", emitter.to_b4(), emitter.to_uplink());
    if (oversize) spdlog::warn("replay: {} packets longer than {} bytes skipped", oversize, kMaxPacket);
    if (cut_short) spdlog::warn("replay: {} packets were cut short by the capture's snap length", cut_short);
    if (backwards) spdlog::warn("replay: {} timestamps went back in time; the clock held still", backwards);

    print_counters(out, engine.counters());
    if (json.is_open()) {
        write_counters_json(json, engine.counters());
        json.flush();
        if (!json) {
            err << "dslite-aftr: counters-json: cannot write '" << settings.counters_json << "'\n";
            status = 1;
        }
    }
    return status;
}

}  // namespace dslite::app
