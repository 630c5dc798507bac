// SPDX-License-Identifier: BSD-2-Clause
#include "run_daemon.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <csignal>
#include <functional>
#include <future>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

#include "binding_log_pump.hpp"
#include "capture_session.hpp"
#include "capture_tap.hpp"
#include "control_protocol.hpp"
#include "control_server.hpp"
#include "daemon_loop.hpp"
#include "dslite/shares.hpp"
#include "handoffs.hpp"
#include "interface_setup.hpp"
#include "metrics.hpp"
#include "metrics_server.hpp"
#include "run_as_user.hpp"
#include "platform/device_factory.hpp"
#include "state_file.hpp"

namespace dslite::daemon {

namespace {

int refuse(const std::string& line) {
    std::cerr << "dslite-aftr: " << line << '\n';
    return 2;
}

std::uint64_t os_seed() {
    std::random_device os;
    return std::uint64_t{os()} << 32 | os();
}

std::uint64_t unix_now() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

std::string pools_text(const EngineConfig& config) {
    std::string out;
    for (const auto& pool : config.pools) out += (out.empty() ? "" : " ") + to_string(pool);
    return out;
}

// One engine with its queue of each device and its loop. With one thread it
// runs on the daemon's io_context; with more, on an io_context and a thread
// of its own, and nothing of it is touched from another thread but through
// posting to its io_context (the control socket's views) or the handoff rings.
struct Worker {
    std::unique_ptr<Engine> engine;
    std::unique_ptr<Device> b4;
    std::unique_ptr<Device> uplink;        // none: b4 serves both sides
    std::unique_ptr<asio::io_context> io;  // none: the daemon's
    std::unique_ptr<DaemonLoop> loop;
    std::thread thread;

    Device& uplink_device() { return uplink ? *uplink : *b4; }

    // Runs `work` where the worker runs, and waits for it.
    template <typename Work>
    void on_thread(Work&& work) {
        if (!io) return work();
        std::promise<void> done;
        asio::post(*io, [&] {
            work();
            done.set_value();
        });
        done.get_future().wait();
    }
};

// Worker `self`'s gauges; `handoffs` when there are several.
Gauges gauges_of(const Worker& w, const Handoffs* handoffs, unsigned self) {
    const ForwarderStats& forwarded = w.loop->forwarder().stats();
    Gauges gauges;
    for (unsigned from = 0; handoffs && from < handoffs->count(); ++from) {
        if (from == self) continue;
        gauges.handoff_ring_bytes += handoffs->ring(from, self).used();
        gauges.handoff_ring_capacity += handoffs->ring(from, self).capacity();
    }
    gauges.uptime_seconds = static_cast<std::uint64_t>(w.loop->uptime().count());
    gauges.bindings = w.engine->binding_count();
    gauges.subscribers = w.engine->subscriber_count();
    gauges.memory_bytes = w.engine->memory_bytes();
    gauges.b4_write_refused = forwarded.b4_write_refused;
    gauges.uplink_write_refused = forwarded.uplink_write_refused;
    gauges.handoffs = forwarded.handed_off;
    gauges.handoffs_refused = forwarded.handoff_refused;
    if (const CaptureTap* tap = w.loop->forwarder().capture()) {
        gauges.capture_packets = tap->counts().packets;
        gauges.capture_dropped = tap->counts().total_dropped();
    }
    if (!w.uplink) {
        gauges.devices.push_back({"both", w.b4->name(), w.b4->stats()});
    } else {
        gauges.devices.push_back({"b4", w.b4->name(), w.b4->stats()});
        gauges.devices.push_back({"uplink", w.uplink->name(), w.uplink->stats()});
    }
    return gauges;
}

// "1 static mapping", "2 static mappings".
std::string counted(std::uint32_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
    return out;
}

// Runs `work` on this thread while every worker of several waits in its own
// loop, so nothing they share (the Shares) is read meanwhile.
template <typename Work>
void with_workers_paused(std::vector<Worker>& workers, Work&& work) {
    if (workers.size() < 2 || !workers[0].io) return work();
    std::mutex m;
    std::condition_variable cv;
    std::size_t arrived = 0, left = 0;
    bool go = false;
    for (Worker& w : workers) {
        asio::post(*w.io, [&] {
            std::unique_lock lock(m);
            ++arrived;
            cv.notify_all();
            cv.wait(lock, [&] { return go; });
            ++left;
            cv.notify_all();
        });
    }
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return arrived == workers.size(); });
    work();
    go = true;
    cv.notify_all();
    cv.wait(lock, [&] { return left == workers.size(); });
}

}  // namespace

int run_daemon(const DaemonSettings& settings, EngineConfig config, Reread reread) {
    // Port choice an outsider cannot predict (RFC 6056): a fresh seed per run.
    if (settings.random_seed) config.seed = os_seed();
    // --state-file: engines side by side keep the seed their subscribers
    // were hashed to engines with (Shares), and each gets a fresh one of
    // its own for its port choice.
    StateFileRead state;
    if (!settings.state_file.empty()) state = read_state_file(settings.state_file);
    const bool saved_seed = state.saved && settings.threads > 1 && settings.random_seed;
    if (saved_seed) config.seed = state.saved->seed;
    // Events only for a log that writes them.
    if (settings.binding_log.empty()) config.event_ring = 0;
    const unsigned threads = settings.threads;
    // Engines split the range in whole port blocks or deterministic ranges.
    if (Shares::split(config, threads).size() < threads) {
        const std::uint32_t unit = share_unit(config);
        return refuse("threads: " + std::to_string(threads) + " threads need at least as many " +
                      (config.port_mapping == PortMapping::deterministic
                           ? "deterministic ranges in use (each pool address's first range, second, ...)"
                       : unit == 1 ? std::string("ports in --port-range")
                                   : "port blocks of " + std::to_string(unit) + " in --port-range"));
    }
    // Not const: a reload (SIGHUP) puts the new configuration's in its place.
    Shares shares(config, threads);
    if (shares.conflict()) return refuse("static-mapping: " + *shares.conflict());

    asio::io_context io;
    // Caught from here on, before anything can be waited for (the control
    // socket's file): a signal that comes while the daemon starts waits in
    // the set for its handler, instead of ending the daemon (SIGHUP's default).
    asio::signal_set hangups(io, SIGHUP);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    std::vector<Worker> workers(threads);
    std::unique_ptr<Handoffs> handoffs;
    // dslite-ctl capture, once the workers are made (the control socket takes no request before).
    std::unique_ptr<CaptureService> capture;

    // The control socket first: a second daemon started by mistake stops
    // here, before it touches any interface the first one uses.
    auto control = ControlServer::open(
        io, settings.control,
        [&](std::string_view line) {
            spdlog::debug("control: {}", line);
            return serve(line, workers.size(), [&](std::size_t i, const auto& work) {
                workers[i].on_thread(
                    [&] { work(*workers[i].engine, gauges_of(workers[i], handoffs.get(), static_cast<unsigned>(i))); });
            });
        },
        [&](std::string_view line, ControlServer::Socket& socket) { return capture && capture->take(line, socket); });
    if (auto* e = std::get_if<std::string>(&control)) return refuse(*e);
    // Prometheus next (--metrics): a scrape is the stats request, on each
    // engine's own thread like the control socket's.
    std::unique_ptr<MetricsServer> metrics;
    if (!settings.metrics.empty()) {
        const auto where = std::get<asio::ip::tcp::endpoint>(parse_metrics_endpoint(settings.metrics));
        auto opened = MetricsServer::open(io, where, [&] {
            const Request stats{Command::stats, {}, {}};
            std::vector<EngineView> views(workers.size());
            for (std::size_t i = 0; i < workers.size(); ++i)
                workers[i].on_thread([&] {
                    views[i] = view_of(stats, *workers[i].engine,
                                       gauges_of(workers[i], handoffs.get(), static_cast<unsigned>(i)));
                });
            return metrics_text(views);
        });
        if (auto* e = std::get_if<std::string>(&opened)) return refuse(*e);
        metrics = std::move(std::get<std::unique_ptr<MetricsServer>>(opened));
    }
    // The binding log next, before any interface is touched.
    std::unique_ptr<BindingLog> binding_log;
    if (!settings.binding_log.empty()) {
        auto opened = BindingLog::open(settings.binding_log, limits_of(config));
        if (auto* e = std::get_if<std::string>(&opened)) return refuse("log-bindings: " + *e);
        binding_log = std::move(std::get<std::unique_ptr<BindingLog>>(opened));
    }

    const platform::DeviceContext context{config.aftr_address};
    auto b4_opened = platform::open_device_queues("b4-device", settings.b4_device, context, threads);
    if (auto* e = std::get_if<std::string>(&b4_opened)) return refuse(*e);
    auto& b4_queues = std::get<std::vector<std::unique_ptr<Device>>>(b4_opened);
    for (unsigned i = 0; i < threads; ++i) workers[i].b4 = std::move(b4_queues[i]);
    if (!settings.shared_device()) {
        auto opened = platform::open_device_queues("uplink-device", settings.uplink_device, context, threads);
        if (auto* e = std::get_if<std::string>(&opened)) return refuse(*e);
        auto& queues = std::get<std::vector<std::unique_ptr<Device>>>(opened);
        for (unsigned i = 0; i < threads; ++i) workers[i].uplink = std::move(queues[i]);
    }
    Device& b4 = *workers[0].b4;
    Device& uplink = workers[0].uplink_device();
    auto interfaces = plan_interfaces(settings, config, b4, uplink);
    // On a refusal nothing is undone: the failing step may have met a route
    // that is someone else's. Interfaces made here vanish as the devices close.
    if (auto e = configure_interfaces(interfaces)) return refuse(*e);
    if (threads > 1) {
        auto made = Handoffs::open(shares);
        if (auto* e = std::get_if<std::string>(&made)) return refuse(*e);
        handoffs = std::move(std::get<std::unique_ptr<Handoffs>>(made));
    }
    // Everything that needs root is open: drop it (--user), before any thread starts.
    if (auto e = run_as_user(settings)) return refuse(*e);

    // Start-up can no longer be refused: from here on, log.
    log_configuration(interfaces);
    for (unsigned i = 0; i < threads; ++i) {
        Worker& w = workers[i];
        EngineConfig engine_config = shares.config_of(i);
        if (saved_seed) engine_config.seed = os_seed();
        w.engine = std::make_unique<Engine>(engine_config);
        if (threads == 1) {
            w.loop = std::make_unique<DaemonLoop>(io, *w.engine, *w.b4, w.uplink_device());
        } else {
            w.io = std::make_unique<asio::io_context>(1);
            w.loop = std::make_unique<DaemonLoop>(*w.io, *w.engine, *w.b4, w.uplink_device(), *handoffs, i);
        }
    }

    std::vector<CaptureService::Attach> attach;
    for (Worker& w : workers)
        attach.push_back([&w](CaptureTap* tap) { w.on_thread([&] { w.loop->set_capture(tap); }); });
    capture =
        std::make_unique<CaptureService>(io, std::move(attach), b4.interface().empty() ? b4.name() : b4.interface(),
                                         uplink.interface().empty() ? uplink.name() : uplink.interface());
    if (!settings.state_file.empty()) {
        std::vector<Engine*> engines;
        for (Worker& w : workers) engines.push_back(w.engine.get());
        const auto seed_given = threads > 1 && !settings.random_seed ? std::optional(config.seed) : std::nullopt;
        const RestoreReport r =
            restore_engines(settings.state_file, state, engines, steady_now(), unix_now(), seed_given);
        r.warning ? spdlog::warn("{}", r.line) : spdlog::info("{}", r.line);
    }

    std::unique_ptr<BindingLogPump> pump;
    if (binding_log) {
        std::vector<EventRing*> rings;
        for (Worker& w : workers) rings.push_back(w.engine->events());
        pump = std::make_unique<BindingLogPump>(*binding_log, std::move(rings));
    }
    // SIGHUP: logrotate moved the files, write new ones; and with --config,
    // the configuration is read again (Engine::reconfigure). (Caught with
    // or without either: SIGHUP's default would end the daemon.)
    EngineConfig running = config;
    const auto reload = [&] {
        if (!reread || settings.config_file.empty()) {
            spdlog::info("SIGHUP: started without --config, no configuration to read again");
            return;
        }
        auto got = reread(running);
        if (auto* refused = std::get_if<std::string>(&got)) {
            spdlog::error("SIGHUP: {} refused, the running configuration stays: {}", settings.config_file, *refused);
            return;
        }
        Reloaded& next = std::get<Reloaded>(got);
        if (!next.kept.empty())
            spdlog::warn("SIGHUP: not reloadable, keeping the running values: {}", joined(next.kept));
        Reconfigured total;
        with_workers_paused(workers, [&] {
            shares = Shares(next.config, threads);
            const Time now = steady_now();
            for (unsigned i = 0; i < threads; ++i) {
                const Reconfigured r = workers[i].engine->reconfigure(shares.config_of(i), now);
                total.static_added += r.static_added;
                total.static_removed += r.static_removed;
                total.static_failed += r.static_failed;
                total.bindings_removed += r.bindings_removed;
            }
        });
        std::uint32_t no_nat_added = 0, no_nat_removed = 0;
        for (const NoNat& r : next.config.no_nat)
            no_nat_added += std::find(running.no_nat.begin(), running.no_nat.end(), r) == running.no_nat.end();
        for (const NoNat& r : running.no_nat)
            no_nat_removed +=
                std::find(next.config.no_nat.begin(), next.config.no_nat.end(), r) == next.config.no_nat.end();
        if (auto e = update_no_nat_routes(interfaces, running, next.config))
            spdlog::warn("SIGHUP: no-nat routes: {}", *e);
        running = next.config;
        spdlog::info("SIGHUP: reloaded {}{}: {} added, {} removed, {} removed, {} added, {} removed",
                     settings.config_file, next.changed.empty() ? " (no change)" : " (" + joined(next.changed) + ")",
                     counted(total.static_added, "static mapping", "static mappings"), total.static_removed,
                     counted(total.bindings_removed, "binding", "bindings"),
                     counted(no_nat_added, "no-nat prefix", "no-nat prefixes"), no_nat_removed);
        if (total.static_failed)
            spdlog::warn(
                "SIGHUP: {} not installed: the binding or subscriber table is full, the subscriber has "
                "--softwires-per-subscriber other B4 addresses, or its port block is another subscriber's",
                counted(total.static_failed, "new static mapping", "new static mappings"));
    };
    std::function<void()> await_hangup = [&] {
        hangups.async_wait([&](boost::system::error_code e, int) {
            if (e) return;
            if (pump) {
                spdlog::info("SIGHUP: reopening the binding log");
                pump->request_reopen();
            } else {
                spdlog::info("SIGHUP: no binding log to reopen");
            }
            reload();
            await_hangup();
        });
    };
    await_hangup();

    // A control client that hangs up mid-answer must not end the daemon.
    std::signal(SIGPIPE, SIG_IGN);
    signals.async_wait([&](boost::system::error_code e, int signal) {
        if (e) return;
        spdlog::info("{}: stopping", signal == SIGINT ? "SIGINT" : "SIGTERM");
        capture->stop();  // while the workers still run, to let go of the taps
        for (Worker& w : workers) {
            if (!w.io) {
                w.loop->stop();
                continue;
            }
            asio::post(*w.io, [&w] {
                w.loop->stop();
                w.io->stop();
            });
        }
        io.stop();
    });

    if (pump) pump->start();
    for (Worker& w : workers) {
        w.loop->start();  // before its thread runs: nothing else touches it yet
        if (w.io)
            w.thread = std::thread([&w] {
                const auto busy = asio::make_work_guard(*w.io);
                w.io->run();
            });
    }
    if (threads == 1) {
        spdlog::info("AFTR {} with pool {}: B4s on {}, uplink on {}, control at {}", to_string(config.aftr_address),
                     pools_text(config), b4.name(), uplink.name(), settings.control);
    } else {
        spdlog::info("AFTR {} with pool {}: B4s on {}, uplink on {}, {} threads (a queue each), control at {}",
                     to_string(config.aftr_address), pools_text(config), b4.interface(), uplink.interface(), threads,
                     settings.control);
    }
    if (metrics)
        spdlog::info(
            "metrics at http://{}/metrics",
            metrics->endpoint().address().is_v6()
                ? "[" + metrics->endpoint().address().to_string() + "]:" + std::to_string(metrics->endpoint().port())
                : metrics->endpoint().address().to_string() + ":" + std::to_string(metrics->endpoint().port()));
    io.run();
    for (Worker& w : workers)
        if (w.thread.joinable()) w.thread.join();
    Counters c;
    std::size_t bindings = 0;
    for (Worker& w : workers) {
        w.loop.reset();  // lets go of the devices' descriptors while the devices still exist
        bindings += w.engine->binding_count();
    }
    // With --state-file the bindings live on in the file: they are not
    // logged as removed (the next run logs those that expire meanwhile).
    bool saved = false;
    if (!settings.state_file.empty()) {
        SavedEngines out{unix_now(), config.seed, {}};
        std::size_t dynamic = 0;  // static mappings come from the configuration, not the file
        for (Worker& w : workers) {
            out.engines.push_back(w.engine->save_state(steady_now()));
            w.engine->for_each_binding([&](const BindingInfo& b) { dynamic += !b.is_static; });
        }
        if (auto e = write_state_file(settings.state_file, out)) {
            spdlog::error("state file {}: {}; the bindings are lost", settings.state_file, *e);
        } else {
            saved = true;
            spdlog::info("state file {}: saved {} bindings", settings.state_file, dynamic);
        }
    }
    if (pump) {
        // Every binding ends in the log: removed as the AFTR stops, in steps
        // the ring holds, with this thread as the rings' consumer now.
        pump->stop();
        for (Worker& w : workers) {
            if (!w.engine->events() || saved) continue;
            const std::size_t step = w.engine->events()->capacity() / 2;
            while (w.engine->shutdown(steady_now(), step) != 0) pump->drain();
        }
        pump->drain();
    }
    for (Worker& w : workers) c += w.engine->counters();
    if (binding_log) {
        spdlog::info("binding log: {} records written, {} could not be written, {} events lost to a full ring",
                     binding_log->stats().written, binding_log->stats().failed, c[Counter::events_lost]);
    }
    unconfigure_interfaces(interfaces);  // while the interfaces still exist
    spdlog::info("stopped: {} packets from B4s, {} from the uplink, {} bindings open", c[Counter::in_b4_packets],
                 c[Counter::in_uplink_packets], bindings);
    return 0;
}

}  // namespace dslite::daemon
