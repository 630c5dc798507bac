// SPDX-License-Identifier: BSD-2-Clause
// The engine alone, no I/O: established UDP flows each way, binding
// creation, and memory per binding. Single-threaded, so every rate is per
// core. See README.md for how to run it and what it measured.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "dslite/counters.hpp"
#include "dslite/engine.hpp"
#include "traffic.hpp"

namespace dslite::bench {
namespace {

constexpr std::uint64_t kOrderSeed = 0x62656e6368;  // fixed, so runs compare
constexpr std::int64_t kStartMicros = 1'000'000;

class NullEmitter final : public Emitter {
public:
    void emit(Side, std::span<const std::uint8_t>) override {}
};

// What a driver hands in: one packet at the headroom mark.
struct Buffer {
    alignas(64) std::array<std::uint8_t, kHeadroom + sizeof(Template::bytes)> storage{};

    Packet load(const Template& t, std::size_t length) {
        std::memcpy(storage.data() + kHeadroom, t.bytes.data(), sizeof(t.bytes));
        return Packet(storage, kHeadroom, length);
    }
};

// The engine's clock moves 1 us per packet, as a driver's would, so the
// timer wheel and port hold queue do their share of work.
struct Clock {
    std::int64_t micros = kStartMicros;
    Time tick() { return Time{++micros}; }
};

// Names the drop counters that moved, for an error message that helps.
std::string drops(const Engine& engine) {
    std::string out;
    for (std::size_t i = 0; i < kCounterCount; ++i) {
        const auto c = static_cast<Counter>(i);
        if (is_drop(c) && engine.counters()[c] != 0)
            out.append(" ").append(counter_name(c)).append("=").append(std::to_string(engine.counters()[c]));
    }
    return out;
}

// Sends flows [0, flows) once, in flow order; false if any was refused.
bool open_flows(Engine& engine, std::uint32_t flows, Clock& clock) {
    Template t;
    Buffer buffer;
    NullEmitter emitter;
    for (std::uint32_t f = 0; f < flows; ++f) {
        write_b4_packet(f, t.bytes.data());
        Packet p = buffer.load(t, kB4PacketSize);
        if (engine.from_b4(p, clock.tick(), emitter) != Verdict::to_uplink) return false;
    }
    return engine.binding_count() == flows;
}

// An engine holding `flows` bindings and packets for both directions; built
// once per size and kept, since filling a million bindings takes a while.
// The binding log's consumer, as the daemon's pump is: a thread that drains
// the engine's ring while the engine fills it, polling every millisecond.
// (The pump's formatting and writing happen on that thread too, and touch
// nothing of the engine's, so they are left out.)
class Consumer {
public:
    explicit Consumer(EventRing& ring)
        : thread_([this, &ring] {
              std::vector<Event> batch(4096);
              for (bool last = false;;) {
                  for (std::size_t n; (n = ring.pop(batch)) != 0;) drained_ += n;
                  if (last) return;
                  last = stop_.load(std::memory_order_acquire);
                  if (!last) std::this_thread::sleep_for(std::chrono::milliseconds(1));
              }
          }) {}
    std::uint64_t stop() {
        stop_.store(true, std::memory_order_release);
        thread_.join();
        return drained_;
    }

private:
    std::atomic<bool> stop_{false};
    std::uint64_t drained_ = 0;
    std::thread thread_;
};

EngineConfig with_log(EngineConfig c, bool logged) {
    if (logged) c.event_ring = 1u << 16;
    return c;
}

struct Established {
    Engine engine;
    Clock clock;
    bool ok;
    std::vector<Template> from_b4;
    std::vector<Template> from_uplink;

    Established(std::uint32_t flows, bool logged)
        : engine(with_log(config_for(flows), logged)),
          ok(open_flows(engine, flows, clock)),
          from_b4(b4_templates(flows, kOrderSeed)),
          from_uplink(uplink_templates(engine, kOrderSeed + 1)) {}
};

Established& established(std::uint32_t flows, bool logged = false) {
    static std::map<std::pair<std::uint32_t, bool>, std::unique_ptr<Established>> cache;
    auto& slot = cache[{flows, logged}];
    if (!slot) slot = std::make_unique<Established>(flows, logged);
    return *slot;
}

std::size_t resident_bytes() {
    unsigned long size = 0, resident = 0;
    if (FILE* f = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(f, "%lu %lu", &size, &resident) != 2) resident = 0;
        std::fclose(f);
    }
    return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

enum class Direction { from_b4, from_uplink };

// Established flows, `burst` packets per engine call: 1 is the per-packet
// entry point; more uses the burst entry points as a device read would, so
// the table lookups of a burst overlap.
// Logged: the binding log's ring is on and a thread drains it meanwhile.
template <Direction direction, std::size_t burst, bool logged = false>
void BM_Established(benchmark::State& state) {
    const auto flows = static_cast<std::uint32_t>(state.range(0));
    Established& fx = established(flows, logged);
    std::optional<Consumer> consumer;
    if (logged) consumer.emplace(*fx.engine.events());
    if (!fx.ok) {
        state.SkipWithError(("setup: the engine refused a flow:" + drops(fx.engine)).c_str());
        return;
    }
    const bool outbound = direction == Direction::from_b4;
    const auto& packets = outbound ? fx.from_b4 : fx.from_uplink;
    const std::size_t length = outbound ? kB4PacketSize : kUplinkPacketSize;
    const Verdict expected = outbound ? Verdict::to_uplink : Verdict::to_b4;
    std::vector<Buffer> buffers(burst);
    std::array<Packet, burst> slots;
    std::array<Verdict, burst> verdicts;
    NullEmitter emitter;
    std::size_t i = 0;
    std::uint64_t wrong = 0;
    for (auto _ : state) {
        for (std::size_t k = 0; k < burst; ++k) {
            slots[k] = buffers[k].load(packets[i], length);
            if (++i == packets.size()) i = 0;
        }
        const Time now = fx.clock.tick();
        if constexpr (burst == 1)
            verdicts[0] =
                outbound ? fx.engine.from_b4(slots[0], now, emitter) : fx.engine.from_uplink(slots[0], now, emitter);
        else if (outbound)
            fx.engine.from_b4(slots, verdicts, now, emitter);
        else
            fx.engine.from_uplink(slots, verdicts, now, emitter);
        for (Verdict v : verdicts) wrong += v != expected;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * burst));
    if (consumer) consumer->stop();
    if (wrong != 0 || fx.engine.binding_count() != flows)
        state.SkipWithError(("a packet got the wrong verdict:" + drops(fx.engine)).c_str());
}

// Every packet is a new flow: a fresh engine per iteration (built outside the
// timed region) takes `flows` first packets, filling its tables from empty.
// Logged: with the binding log's ring on and drained by a second thread;
// `events_lost` is reported (the ring is the daemon's default, 65536).
// `block_size`: with --port-block-size, one record per block instead of per binding.
template <bool logged, std::uint16_t block_size = 0>
void BM_NewBindings(benchmark::State& state) {
    const auto flows = static_cast<std::uint32_t>(state.range(0));
    static std::map<std::uint32_t, std::vector<Template>> cache;
    auto& packets = cache[flows];
    if (packets.empty()) packets = b4_templates(flows, kOrderSeed);
    Buffer buffer;
    NullEmitter emitter;
    std::optional<Engine> engine;
    std::uint64_t wrong = 0, lost = 0, drained = 0;
    for (auto _ : state) {
        state.PauseTiming();
        engine.reset();
        EngineConfig config = config_for(flows);
        if (logged) config.event_ring = 1u << 16;
        config.port_block_size = block_size;
        engine.emplace(config);
        Clock clock;
        std::optional<Consumer> consumer;
        if (logged) consumer.emplace(*engine->events());
        state.ResumeTiming();
        for (const Template& t : packets) {
            Packet p = buffer.load(t, kB4PacketSize);
            wrong += engine->from_b4(p, clock.tick(), emitter) != Verdict::to_uplink;
        }
        if (engine->binding_count() != flows) ++wrong;
        state.PauseTiming();
        if (consumer) drained += consumer->stop();
        lost += engine->counters()[Counter::events_lost];
        state.ResumeTiming();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * flows));
    if (logged) {
        state.counters["events_lost_per_iteration"] =
            static_cast<double>(lost) / static_cast<double>(state.iterations());
        state.counters["events_per_iteration"] = static_cast<double>(drained) / static_cast<double>(state.iterations());
    }
    if (wrong != 0) state.SkipWithError(("a new flow was refused:" + drops(*engine)).c_str());
}

// Bytes per binding two ways: what the engine says its pre-sized tables take
// per max_bindings, and what the process's resident set grew by per binding
// actually created (tables plus anything the engine allocates on the side).
void BM_MemoryPerBinding(benchmark::State& state) {
    const auto flows = static_cast<std::uint32_t>(state.range(0));
    double table_bytes = 0, rss_bytes = 0;
    bool ok = true;
    std::string why;
    for (auto _ : state) {
        malloc_trim(0);  // so freed memory of earlier runs is not counted as "already resident"
        const std::size_t before = resident_bytes();
        Engine engine(config_for(flows));
        Clock clock;
        if (!open_flows(engine, flows, clock)) {
            ok = false;
            why = drops(engine);
        }
        const std::size_t after = resident_bytes();
        table_bytes = static_cast<double>(engine.memory_bytes()) / engine.config().max_bindings;
        rss_bytes = static_cast<double>(after - before) / static_cast<double>(engine.binding_count());
    }
    state.counters["table_bytes_per_binding"] = table_bytes;
    state.counters["rss_bytes_per_binding"] = rss_bytes;
    if (!ok) state.SkipWithError(("setup: the engine refused a flow:" + why).c_str());
}

BENCHMARK(BM_MemoryPerBinding)->ArgName("bindings")->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Established<Direction::from_b4, 1>)->ArgName("bindings")->Arg(1'000)->Arg(1'000'000);
BENCHMARK(BM_Established<Direction::from_uplink, 1>)->ArgName("bindings")->Arg(1'000)->Arg(1'000'000);
BENCHMARK(BM_Established<Direction::from_b4, 32>)->ArgName("bindings")->Arg(1'000)->Arg(1'000'000);
BENCHMARK(BM_Established<Direction::from_uplink, 32>)->ArgName("bindings")->Arg(1'000)->Arg(1'000'000);
BENCHMARK(BM_Established<Direction::from_b4, 32, true>)->ArgName("bindings")->Arg(1'000'000);
BENCHMARK(BM_Established<Direction::from_uplink, 32, true>)->ArgName("bindings")->Arg(1'000'000);
BENCHMARK(BM_NewBindings<false>)->ArgName("bindings")->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_NewBindings<true>)->ArgName("bindings")->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_NewBindings<false, 512>)->ArgName("bindings")->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_NewBindings<true, 512>)->ArgName("bindings")->Arg(1'000'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dslite::bench

BENCHMARK_MAIN();
