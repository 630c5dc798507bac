// SPDX-License-Identifier: BSD-2-Clause
// --state-file: an engine's bindings as bytes and back (Engine::save_state,
// check_state, restore_state). All numbers big-endian:
//
//   header   magic "DSLITEST", u16 version, u16 0, u32 total length (with
//            the trailer), u64 configuration fingerprint, u32 NAT-PMP/PCP
//            epoch seconds, u32 subscribers, bindings, holds, blocks
//   records  subscribers: prefix[16] address u32 tunnel_mtu u16 softwires u8, b4[16] each
//            bindings:    subscriber u32 softwire u8 protocol u8 tcp u8 flags u8
//                         inside u32 u16, public u32 u16, idle u32,
//                         lifetime u32 (requested: seconds left), nonce[12],
//                         filter u32 u16 u8, adf_next u8, remotes 4 x u32
//            holds:       address u32 protocol u8 port u16 seconds left u32
//            blocks:      subscriber u32 softwire u8 address u32 first port u16
//                         seconds left of its hold u32 (0: it has bindings)
//   trailer  u32 CRC-32 of everything before it
//
// A record is checked against the header and the configuration before
// anything is restored: an address outside the pool, a port outside the
// range, an index past its table is a corrupt file, never an access.
#include <algorithm>
#include <array>
#include <cstring>

#include "dslite/engine.hpp"
#include "dslite/state.hpp"
#include "engine_impl.hpp"

namespace dslite {

namespace {

constexpr std::array<std::uint8_t, 8> kMagic{'D', 'S', 'L', 'I', 'T', 'E', 'S', 'T'};
constexpr std::uint16_t kVersion = 1;
constexpr std::size_t kHeaderSize = 44;
constexpr std::size_t kTrailerSize = 4;
constexpr std::size_t kSubscriberSize = 23;  // and 16 per softwire
constexpr std::size_t kBindingSize = 64;
constexpr std::size_t kHoldSize = 11;
constexpr std::size_t kBlockSize = 15;
constexpr std::uint32_t kMinimumTunnelMtu = 1280;  // IPv6's

enum BindingFlags : std::uint8_t { flag_requested = 1, flag_nonce = 2 };

class Writer {
public:
    explicit Writer(std::vector<std::uint8_t>& out) : out_(out) {}
    void u8(std::uint8_t v) { out_.push_back(v); }
    void u16(std::uint16_t v) {
        u8(static_cast<std::uint8_t>(v >> 8));
        u8(static_cast<std::uint8_t>(v));
    }
    void u32(std::uint32_t v) {
        u16(static_cast<std::uint16_t>(v >> 16));
        u16(static_cast<std::uint16_t>(v));
    }
    void u64(std::uint64_t v) {
        u32(static_cast<std::uint32_t>(v >> 32));
        u32(static_cast<std::uint32_t>(v));
    }
    void bytes(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }

private:
    std::vector<std::uint8_t>& out_;
};

// Reads past the end give zeros and mark the reader failed, so a parse
// checks once at the end of a record instead of before every field.
class Reader {
public:
    explicit Reader(std::span<const std::uint8_t> in) : in_(in) {}
    std::uint8_t u8() {
        if (at_ >= in_.size()) {
            failed_ = true;
            return 0;
        }
        return in_[at_++];
    }
    std::uint16_t u16() { return static_cast<std::uint16_t>(u8() << 8 | u8()); }
    std::uint32_t u32() { return std::uint32_t{u16()} << 16 | u16(); }
    std::uint64_t u64() { return std::uint64_t{u32()} << 32 | u32(); }
    template <std::size_t N>
    std::array<std::uint8_t, N> bytes() {
        std::array<std::uint8_t, N> out{};
        for (auto& b : out) b = u8();
        return out;
    }
    Ipv6Address ipv6() {
        Ipv6Address a;
        const auto b = bytes<16>();
        std::memcpy(a.data(), b.data(), 16);
        return a;
    }
    bool failed() const { return failed_; }
    std::size_t left() const { return in_.size() - std::min(at_, in_.size()); }

private:
    std::span<const std::uint8_t> in_;
    std::size_t at_ = 0;
    bool failed_ = false;
};

std::optional<Protocol> protocol_of(std::uint8_t v) {
    switch (v) {
    case 1: return Protocol::icmp;
    case 6: return Protocol::tcp;
    case 17: return Protocol::udp;
    default: return std::nullopt;
    }
}

// FNV-1a of the options a saved record's meaning depends on: another value
// of any makes every saved port or subscriber mean something else.
std::uint64_t fingerprint(const EngineConfig& c) {
    std::vector<std::uint8_t> bytes;
    Writer w(bytes);
    for (const auto& pool : c.pools) {
        w.u32(pool.address.value);
        w.u8(pool.length);
    }
    w.u16(c.port_min);
    w.u16(c.port_max);
    w.u8(c.pool_shared);
    w.u16(c.shared_port_min);
    w.u16(c.shared_port_max);
    w.u8(static_cast<std::uint8_t>(c.port_mapping));
    w.u16(c.port_block_size);
    w.u8(c.subscriber_prefix_length);
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (const std::uint8_t b : bytes) h = (h ^ b) * 0x100000001b3ull;
    return h;
}

struct SavedSubscriber {
    Ipv6Address prefix;
    std::uint32_t address;
    std::uint16_t tunnel_mtu;
    std::vector<Ipv6Address> softwires;
};

struct SavedBinding {
    std::uint32_t subscriber;
    std::uint8_t softwire;
    Protocol proto;
    std::uint8_t tcp;
    std::uint8_t flags;
    std::uint32_t inner_address;
    std::uint16_t inner_port;
    std::uint32_t public_address;
    std::uint16_t public_port;
    std::uint32_t idle;
    std::uint32_t lifetime;
    std::array<std::uint8_t, 12> nonce;
    std::uint32_t filter_address;
    std::uint16_t filter_port;
    std::uint8_t filter_length;
    std::uint8_t adf_next;
    std::array<std::uint32_t, kRemembered> remotes;
};

struct SavedHold {
    std::uint32_t address;
    Protocol proto;
    std::uint16_t port;
    std::uint32_t left;
};

struct SavedBlock {
    std::uint32_t subscriber;
    std::uint8_t softwire;
    std::uint32_t address;
    std::uint16_t first;
    std::uint32_t left;
};

struct Saved {
    std::uint32_t epoch = 0;
    std::vector<SavedSubscriber> subscribers;
    std::vector<SavedBinding> bindings;
    std::vector<SavedHold> holds;
    std::vector<SavedBlock> blocks;
};

}  // namespace

std::uint32_t crc32(std::span<const std::uint8_t> data, std::uint32_t crc) {
    static constexpr auto table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t n = 0; n < 256; ++n) {
            std::uint32_t c = n;
            for (int k = 0; k < 8; ++k) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }();
    crc = ~crc;
    for (const std::uint8_t b : data) crc = table[(crc ^ b) & 0xff] ^ (crc >> 8);
    return ~crc;
}

std::vector<std::uint8_t> Engine::save_state(Time now) const {
    const Impl& i = *impl_;
    const auto& t = i.tables_;
    const std::uint32_t second = std::max(i.now_, i.seconds(now));
    // Subscribers by table id, numbered in the order the records name them;
    // one with only static mappings is the configuration's and not saved.
    std::vector<std::uint32_t> number(t.subscribers.size() ? i.config_.max_subscribers : 0, SubscriberTable::npos);
    std::vector<std::uint32_t> saved_subscribers;
    const auto numbered = [&](std::uint32_t id) {
        if (number[id] == SubscriberTable::npos) {
            number[id] = static_cast<std::uint32_t>(saved_subscribers.size());
            saved_subscribers.push_back(id);
        }
        return number[id];
    };
    std::vector<std::uint8_t> bindings, holds, blocks;
    std::uint32_t binding_count = 0, hold_count = 0, block_count = 0;
    Writer b(bindings);
    t.bindings.for_each([&](std::uint32_t id, const Binding& s) {
        if (s.is_static) return;
        const std::uint32_t due = i.due_of(id);
        if (due <= second) return;  // the wheel would remove it at once
        const PcpMapping* pcp = t.pcp.empty() ? nullptr : &t.pcp[id];
        b.u32(numbered(s.subscriber));
        b.u8(s.softwire);
        b.u8(static_cast<std::uint8_t>(s.proto));
        b.u8(s.tcp);
        b.u8(static_cast<std::uint8_t>((s.requested ? flag_requested : 0) | (pcp && pcp->has_nonce ? flag_nonce : 0)));
        b.u32(s.inner_address);
        b.u16(s.inner_port);
        b.u32(s.public_address);
        b.u16(s.public_port);
        b.u32(second - s.last_seen);
        b.u32(s.requested && pcp->until > second ? pcp->until - second : 0);
        b.bytes(pcp ? std::span<const std::uint8_t>(pcp->nonce) : std::span<const std::uint8_t>(PcpMapping{}.nonce));
        b.u32(pcp ? pcp->filter_address : 0);
        b.u16(pcp ? pcp->filter_port : 0);
        b.u8(pcp ? pcp->filter_length : 0);
        b.u8(s.adf_next);
        for (std::size_t r = 0; r < kRemembered; ++r) b.u32(t.remotes.empty() ? 0 : t.remotes[id][r]);
        ++binding_count;
    });
    Writer h(holds);
    t.ports.for_each_held([&](std::uint32_t address, Protocol proto, std::uint16_t port, std::uint32_t release_at) {
        if (release_at <= second) return;
        h.u32(i.pool_.address_at(address));
        h.u8(static_cast<std::uint8_t>(proto));
        h.u16(port);
        h.u32(release_at - second);
        ++hold_count;
    });
    Writer k(blocks);
    for (std::uint32_t block = 0; block < t.blocks.capacity() && t.blocks.in_use() != 0; ++block) {
        const PortBlocks::Block& pb = t.blocks[block];
        if (pb.owner == PortBlocks::npos) continue;
        if (pb.bindings == 0 && pb.release_at <= second) continue;
        k.u32(numbered(pb.owner));
        k.u8(pb.softwire);
        k.u32(i.pool_.address_at(t.blocks.address_of(block)));
        k.u16(t.blocks.first_port(block));
        k.u32(pb.bindings ? 0 : pb.release_at - second);
        ++block_count;
    }

    std::vector<std::uint8_t> out(kMagic.begin(), kMagic.end());
    Writer w(out);
    w.u16(kVersion);
    w.u16(0);
    w.u32(0);  // the length, once known
    w.u64(fingerprint(i.config_));
    w.u32(i.started_ ? second - i.started_at_ : 0);  // an engine that never ran has no epoch yet
    w.u32(static_cast<std::uint32_t>(saved_subscribers.size()));
    w.u32(binding_count);
    w.u32(hold_count);
    w.u32(block_count);
    for (const std::uint32_t id : saved_subscribers) {
        const Subscriber& sub = t.subscribers[id];
        w.bytes(sub.prefix);
        w.u32(i.pool_.address_at(sub.pool_index));
        w.u16(sub.tunnel_mtu);
        w.u8(sub.softwire_count);
        for (std::uint8_t slot = 0; slot < sub.softwire_count; ++slot) w.bytes(t.subscribers.b4(id, slot));
    }
    w.bytes(bindings);
    w.bytes(holds);
    w.bytes(blocks);
    const auto total = static_cast<std::uint32_t>(out.size() + kTrailerSize);
    for (int n = 0; n < 4; ++n) out[12 + n] = static_cast<std::uint8_t>(total >> (24 - 8 * n));
    w.u32(crc32(out));
    return out;
}

namespace {

// The bytes as records, each checked against `c` and `pool`; a reason when
// they are not a state of this configuration.
std::optional<std::string> parse(std::span<const std::uint8_t> in, const EngineConfig& c, const Pool& pool,
                                 const PortBlocks& port_blocks, Saved& out) {
    if (in.size() < kHeaderSize + kTrailerSize) return "truncated (" + std::to_string(in.size()) + " bytes)";
    if (!std::equal(kMagic.begin(), kMagic.end(), in.begin())) return std::string("not a dslite state file");
    Reader r(in.subspan(kMagic.size()));
    const std::uint16_t version = r.u16();
    if (version != kVersion)
        return "version " + std::to_string(version) + " (this dslite reads version " + std::to_string(kVersion) + ")";
    r.u16();
    const std::uint32_t total = r.u32();
    if (in.size() < total)
        return "truncated (" + std::to_string(in.size()) + " of " + std::to_string(total) + " bytes)";
    if (in.size() > total || total < kHeaderSize + kTrailerSize) return std::string("corrupt (bad length)");
    const auto body = in.first(total - kTrailerSize);
    Reader trailer(in.subspan(body.size()));
    if (crc32(body) != trailer.u32()) return std::string("corrupt (checksum mismatch)");
    if (r.u64() != fingerprint(c))
        return std::string(
            "written under another configuration (--pool, --port-range, --port-mapping, --port-block-size, "
            "--subscriber-prefix-length or --threads differ)");
    out.epoch = r.u32();
    const std::uint32_t subscribers = r.u32(), bindings = r.u32(), holds = r.u32(), blocks = r.u32();
    // Bounded by the length before anything is sized by the counts.
    const std::uint64_t fixed = kHeaderSize + kTrailerSize + std::uint64_t{subscribers} * (kSubscriberSize + 16) +
                                std::uint64_t{bindings} * kBindingSize + std::uint64_t{holds} * kHoldSize +
                                std::uint64_t{blocks} * kBlockSize;
    if (fixed > total) return std::string("corrupt (record counts past the end)");
    Reader records(body.subspan(kHeaderSize));
    const auto corrupt = [](const char* what) { return "corrupt (" + std::string(what) + ")"; };
    const auto in_range = [&](std::uint16_t port) { return port >= c.port_min && port <= c.port_max; };
    out.subscribers.reserve(subscribers);
    for (std::uint32_t n = 0; n < subscribers; ++n) {
        SavedSubscriber s;
        s.prefix = records.ipv6();
        s.address = records.u32();
        s.tunnel_mtu = records.u16();
        const std::uint8_t softwires = records.u8();
        if (records.failed()) return corrupt("a subscriber past the end");
        if (mask_ipv6(s.prefix, c.subscriber_prefix_length) != s.prefix) return corrupt("a subscriber prefix");
        if (pool.index_of(s.address) == Pool::npos) return corrupt("a subscriber's address outside the pool");
        if (s.tunnel_mtu < kMinimumTunnelMtu) return corrupt("a tunnel MTU");
        if (softwires == 0) return corrupt("a subscriber without a softwire");
        for (std::uint8_t slot = 0; slot < softwires; ++slot) {
            s.softwires.push_back(records.ipv6());
            if (mask_ipv6(s.softwires.back(), c.subscriber_prefix_length) != s.prefix)
                return corrupt("a softwire outside its subscriber");
        }
        if (records.failed()) return corrupt("a subscriber past the end");
        out.subscribers.push_back(std::move(s));
    }
    std::vector<Ipv6Address> prefixes;
    for (const auto& s : out.subscribers) prefixes.push_back(s.prefix);
    std::sort(prefixes.begin(), prefixes.end());
    if (std::adjacent_find(prefixes.begin(), prefixes.end()) != prefixes.end()) return corrupt("a subscriber twice");
    out.bindings.reserve(bindings);
    for (std::uint32_t n = 0; n < bindings; ++n) {
        SavedBinding s;
        s.subscriber = records.u32();
        s.softwire = records.u8();
        const auto proto = protocol_of(records.u8());
        s.tcp = records.u8();
        s.flags = records.u8();
        s.inner_address = records.u32();
        s.inner_port = records.u16();
        s.public_address = records.u32();
        s.public_port = records.u16();
        s.idle = records.u32();
        s.lifetime = records.u32();
        s.nonce = records.bytes<12>();
        s.filter_address = records.u32();
        s.filter_port = records.u16();
        s.filter_length = records.u8();
        s.adf_next = records.u8();
        for (auto& remote : s.remotes) remote = records.u32();
        if (records.failed()) return corrupt("a binding past the end");
        if (!proto) return corrupt("a binding's protocol");
        s.proto = *proto;
        if (s.subscriber >= out.subscribers.size()) return corrupt("a binding's subscriber");
        const SavedSubscriber& sub = out.subscribers[s.subscriber];
        if (s.softwire >= sub.softwires.size()) return corrupt("a binding's softwire");
        if (s.public_address != sub.address) return corrupt("a binding's address is not its subscriber's");
        if (!in_range(s.public_port)) return corrupt("a binding's port outside the range");
        if (s.tcp >= 32 || s.flags >= 4 || s.filter_length > 33 || s.adf_next >= kRemembered)
            return corrupt("a binding's state");
        out.bindings.push_back(s);
    }
    out.holds.reserve(holds);
    for (std::uint32_t n = 0; n < holds; ++n) {
        SavedHold h;
        h.address = records.u32();
        const auto proto = protocol_of(records.u8());
        h.port = records.u16();
        h.left = records.u32();
        if (records.failed()) return corrupt("a port hold past the end");
        if (!proto || pool.index_of(h.address) == Pool::npos || !in_range(h.port)) return corrupt("a port hold");
        h.proto = *proto;
        out.holds.push_back(h);
    }
    out.blocks.reserve(blocks);
    for (std::uint32_t n = 0; n < blocks; ++n) {
        SavedBlock k;
        k.subscriber = records.u32();
        k.softwire = records.u8();
        k.address = records.u32();
        k.first = records.u16();
        k.left = records.u32();
        if (records.failed()) return corrupt("a port block past the end");
        const std::uint32_t index = pool.index_of(k.address);
        if (!port_blocks.enabled() || index == Pool::npos || k.subscriber >= out.subscribers.size() ||
            k.softwire >= out.subscribers[k.subscriber].softwires.size() ||
            k.address != out.subscribers[k.subscriber].address)
            return corrupt("a port block");
        const std::uint32_t block = port_blocks.block_of(index, k.first);
        if (block == PortBlocks::npos || port_blocks.first_port(block) != k.first) return corrupt("a port block");
        out.blocks.push_back(k);
    }
    if (records.left() != 0) return corrupt("bytes after the records");
    return std::nullopt;
}

}  // namespace

std::optional<std::string> Engine::check_state(std::span<const std::uint8_t> state) const {
    Saved saved;
    return parse(state, impl_->config_, impl_->pool_, impl_->tables_.blocks, saved);
}

RestoreResult Engine::restore_state(std::span<const std::uint8_t> state, Time now, std::uint64_t seconds_down) {
    Impl& i = *impl_;
    RestoreResult out;
    Saved saved;
    if (auto why = parse(state, i.config_, i.pool_, i.tables_.blocks, saved)) {
        out.refused = std::move(why);
        return out;
    }
    i.advance(now);  // starts the clock (and reports the static mappings) as a first packet would
    const EngineConfig& c = i.config_;
    auto& t = i.tables_;
    const std::uint32_t down = static_cast<std::uint32_t>(std::min<std::uint64_t>(seconds_down, 0xffffffffu));
    // The second the state was saved, in this engine's seconds (unsigned:
    // it may be before this clock's zero, and only differences are used).
    const std::uint32_t saved_at = i.now_ - down;
    // RFC 6887 8.5: the epoch goes on when the mappings do.
    i.started_at_ = saved_at - saved.epoch;
    // Event time of an engine second at or before now (which may be before
    // this clock's zero: the difference is what counts).
    const auto when = [&](std::uint32_t second) {
        return Impl::at_second(i.now_) - std::int64_t{i.now_ - second} * 1'000'000;
    };

    // File subscribers become table subscribers when a record needs one.
    std::vector<std::uint32_t> table_id(saved.subscribers.size(), SubscriberTable::npos);
    std::vector<std::vector<std::uint8_t>> slots(saved.subscribers.size());
    std::vector<bool> existed(saved.subscribers.size());
    // Seconds after the save its last record went, for its removal record.
    std::vector<std::uint32_t> ended(saved.subscribers.size(), 0);
    // The subscriber's table id, npos (and `why`) when it cannot be had.
    const auto subscriber = [&](std::uint32_t n, std::uint32_t*& why) -> std::uint32_t {
        if (table_id[n] != SubscriberTable::npos) return table_id[n];
        const SavedSubscriber& s = saved.subscribers[n];
        const std::uint32_t pool_index = i.pool_.index_of(s.address);
        std::uint32_t id = t.subscribers.find(s.prefix);
        if (id != SubscriberTable::npos) {
            // Paired pooling: a static mapping put it on another address.
            if (t.subscribers[id].pool_index != pool_index) {
                why = &out.conflicting;
                return SubscriberTable::npos;
            }
            existed[n] = true;
        } else {
            id = t.subscribers.insert(s.prefix, pool_index, c.tunnel_mtu);
            if (id == SubscriberTable::npos) {
                why = &out.table_full;
                return SubscriberTable::npos;
            }
            i.counters_.add(Counter::subscribers_created);
            ++out.subscribers;
        }
        Subscriber& sub = t.subscribers[id];
        sub.tunnel_mtu = static_cast<std::uint16_t>(std::min<std::uint32_t>(sub.tunnel_mtu, s.tunnel_mtu));
        for (const Ipv6Address& b4 : s.softwires) {
            std::uint8_t slot = t.subscribers.slot_of(id, b4);
            if (slot == SubscriberTable::no_softwire) slot = t.subscribers.add_softwire(id, b4, i.now_);
            slots[n].push_back(slot);
        }
        table_id[n] = id;
        return id;
    };
    // A served subscriber whose static mapping is now in another engine's
    // share is served there (Shares), as reconfigure() finds.
    const auto served_elsewhere = [&](const Ipv6Address& prefix) {
        return c.pool_shared && std::any_of(c.static_mappings.begin(), c.static_mappings.end(), [&](const auto& m) {
                   return !i.owns_mapping(m) && mask_ipv6(m.b4, c.subscriber_prefix_length) == prefix;
               });
    };
    // Ports of bindings that ran out while down are held from then on.
    std::vector<SavedHold> holds = saved.holds;

    // Blocks before bindings: a binding's port must be in its subscriber's block.
    std::vector<std::uint32_t> restored_blocks;
    for (const SavedBlock& k : saved.blocks) {
        const SavedSubscriber& s = saved.subscribers[k.subscriber];
        const std::uint32_t block = t.blocks.block_of(i.pool_.index_of(k.address), k.first);
        // A block that does not come back is owed its release record, which
        // closes the record of every port in it.
        const auto released = [&](std::uint32_t after_save) {
            ended[k.subscriber] = std::max(ended[k.subscriber], after_save);
            if (!i.events_) return;
            Event e;
            e.kind = EventKind::port_block_released;
            e.time_us = when(saved_at + after_save);
            e.b4 = s.softwires[k.softwire];
            e.subscriber = s.prefix;
            e.subscriber_length = c.subscriber_prefix_length;
            e.public_address = Ipv4Address{k.address};
            e.public_port = k.first;
            e.public_port_last = t.blocks.last_port(block);
            i.report(e);
        };
        if (k.left != 0 && k.left <= down) {  // its hold ran out while down
            released(k.left);
            continue;
        }
        std::uint32_t* why = nullptr;  // counted as a block, not by the subscriber's reason
        const std::uint32_t id = subscriber(k.subscriber, why);
        const std::uint8_t slot =
            id == SubscriberTable::npos ? SubscriberTable::no_softwire : slots[k.subscriber][k.softwire];
        if (id == SubscriberTable::npos || slot == SubscriberTable::no_softwire || !t.blocks.take(block, id, slot)) {
            ++out.blocks_dropped;
            released(down);
            continue;
        }
        ++out.blocks;
        i.counters_.add(Counter::port_blocks_allocated);
        restored_blocks.push_back(block);
        if (k.left != 0) {
            t.blocks[block].release_at = i.now_ + std::min(k.left - down, std::max(c.port_hold_seconds, 1u));
            t.blocks.wheel().schedule(block, t.blocks[block].release_at);
        }
    }

    for (const SavedBinding& s : saved.bindings) {
        const SavedSubscriber& sub = saved.subscribers[s.subscriber];
        const Ipv6Address& b4 = sub.softwires[s.softwire];
        const std::uint32_t pool_index = i.pool_.index_of(s.public_address);
        Binding b{};
        b.inner_address = s.inner_address;
        b.inner_port = s.inner_port;
        b.proto = s.proto;
        b.tcp = s.tcp;
        b.public_address = s.public_address;
        b.public_port = s.public_port;
        b.pool_index = static_cast<std::uint16_t>(pool_index);
        b.softwire = s.softwire;
        b.adf_next = s.adf_next;
        // Idle seconds and lifetime left at the save, less the time down; the
        // binding goes in the second after both are over (Impl::due_of).
        const std::uint32_t idle_due = i.timeout_seconds(b) + 1;
        const bool requested = s.flags & flag_requested;
        // No longer than --pcp-max-lifetime now allows: the bytes may say anything.
        const std::uint32_t lifetime = requested ? std::min(s.lifetime, c.pcp_max_lifetime) : 0;
        const std::uint32_t left = std::max(idle_due > s.idle ? idle_due - s.idle : 0u, lifetime);
        const auto removed = [&](RemovalReason reason, std::uint32_t after_save) {
            ended[s.subscriber] = std::max(ended[s.subscriber], after_save);
            if (!i.binding_events()) return;
            Event e;
            e.kind = EventKind::binding_removed;
            e.reason = reason;
            e.time_us = when(saved_at + after_save);
            e.b4 = b4;
            e.subscriber = sub.prefix;
            e.subscriber_length = c.subscriber_prefix_length;
            e.protocol = s.proto;
            e.inside_address = Ipv4Address{s.inner_address};
            e.inside_port = s.inner_port;
            e.public_address = Ipv4Address{s.public_address};
            e.public_port = s.public_port;
            i.report(e);
        };
        if (left <= down) {
            ++out.expired;
            const bool closed = s.proto == Protocol::tcp && tcp_closed(s.tcp);
            removed(closed ? RemovalReason::tcp_closed : RemovalReason::timeout, left);
            if (c.port_hold_seconds && left + c.port_hold_seconds > down)
                holds.push_back({s.public_address, s.proto, s.public_port, left + c.port_hold_seconds});
            continue;
        }
        std::optional<DeterministicMap::Range> range;
        if (i.deterministic_)
            if (const auto number = i.deterministic_->number_of(sub.prefix))
                range = i.deterministic_->range_of(*number);
        const bool outside_range = i.deterministic_ && (!range || range->pool_index != pool_index ||
                                                        s.public_port < range->first || s.public_port > range->last);
        if (!i.binding_allowed(b4, s.inner_address, s.softwire) || served_elsewhere(sub.prefix) || outside_range) {
            ++out.forbidden;
            removed(RemovalReason::reconfigured, down);
            continue;
        }
        std::uint32_t* why = &out.conflicting;
        const std::uint32_t id = t.bindings.size() < t.bindings.capacity()
                                     ? subscriber(s.subscriber, why)
                                     : (why = &out.table_full, BindingTable::npos);
        const auto drop = [&] {
            ++*why;
            removed(RemovalReason::reconfigured, down);
        };
        if (id == SubscriberTable::npos) {
            drop();
            continue;
        }
        b.subscriber = id;
        b.softwire = slots[s.subscriber][s.softwire];
        if (b.softwire == SubscriberTable::no_softwire) {  // the subscriber has its limit of other B4s
            why = &out.forbidden;
            drop();
            continue;
        }
        const InnerKey key{sub.prefix, id, b.softwire, s.inner_address, s.inner_port, s.proto};
        const std::uint32_t block =
            t.blocks.enabled() ? t.blocks.block_of(pool_index, s.public_port) : PortBlocks::npos;
        if (t.bindings.find_inner(key) != BindingTable::npos ||
            (t.blocks.enabled() && (block == PortBlocks::npos || t.blocks[block].owner != id)) ||
            !t.ports.take(pool_index, s.proto, s.public_port)) {
            drop();
            continue;
        }
        // Idle no longer than its timeout: past that only a requested
        // lifetime keeps it, and due_of's max must not see a last_seen that
        // wrapped below this clock's zero.
        b.last_seen =
            i.now_ - static_cast<std::uint32_t>(std::min(s.idle + std::uint64_t{down}, std::uint64_t{idle_due}));
        b.inner_hash = t.bindings.inner_hash(key);
        const std::uint32_t bid = t.bindings.insert(b);
        Subscriber& table_sub = t.subscribers[id];
        ++table_sub.bindings[index_of(s.proto)];
        if (!t.remotes.empty()) t.remotes[bid] = s.remotes;
        if (!t.pcp.empty()) {
            PcpMapping& m = t.pcp[bid];
            m.nonce = s.nonce;
            m.has_nonce = s.flags & flag_nonce;
            m.filter_address = s.filter_address;
            m.filter_port = s.filter_port;
            m.filter_length = s.filter_length;
            // Within --pcp-max-mappings, or it lives as its traffic lets it.
            if (lifetime > down && t.requested_count[id] < c.pcp_max_mappings) {
                t.bindings[bid].requested = true;
                m.until = i.now_ + (lifetime - down);
                ++t.requested_count[id];
            }
        }
        if (block != PortBlocks::npos) {
            PortBlocks::Block& pb = t.blocks[block];
            if (pb.bindings++ == 0 && pb.release_at != 0) {
                t.blocks.wheel().cancel(block);
                pb.release_at = 0;
            }
        }
        // Requested before, not now (NAT-PMP off, or its subscriber at
        // --pcp-max-mappings), and idle past its timeout: it goes in a second.
        if (i.due_of(bid) <= i.now_) t.bindings[bid].last_seen = i.now_ - idle_due + 1;
        t.wheel.schedule(bid, i.due_of(bid));
        i.counters_.add(Counter::bindings_created);
        ++out.bindings;
    }

    // Ports still held, in the order they are released (the hold is a FIFO),
    // no longer than the hold is now.
    std::sort(holds.begin(), holds.end(), [](const SavedHold& a, const SavedHold& b) { return a.left < b.left; });
    for (const SavedHold& h : holds) {
        if (h.left <= down) continue;
        const std::uint32_t left = std::min(h.left - down, c.port_hold_seconds);
        out.holds += t.ports.hold(i.pool_.index_of(h.address), h.proto, h.port, i.now_ + left);
    }
    // A block whose bindings all went while down waits for its hold from now.
    for (const std::uint32_t block : restored_blocks) {
        PortBlocks::Block& pb = t.blocks[block];
        if (pb.bindings != 0 || pb.release_at != 0) continue;
        if (c.port_hold_seconds == 0) {
            const PortBlocks::Block gone = pb;
            i.release_block(block, i.now_);
            i.remove_subscriber_if_idle(gone.owner, gone.softwire, i.now_);
            continue;
        }
        pb.release_at = i.now_ + c.port_hold_seconds;
        t.blocks.wheel().schedule(block, pb.release_at);
    }
    // Subscribers none of whose records came back: made here and left
    // empty, or never made; their record of removal is owed.
    for (std::size_t n = 0; n < saved.subscribers.size(); ++n) {
        const std::uint32_t id = table_id[n];
        if (id != SubscriberTable::npos) {
            const Subscriber& sub = t.subscribers[id];
            if (existed[n] || sub.bindings[0] + sub.bindings[1] + sub.bindings[2] != 0 ||
                (t.blocks.enabled() && !t.blocks.held_by(id).empty()))
                continue;
            t.subscribers.erase(id);
            i.counters_.add(Counter::subscribers_removed);
            --out.subscribers;
        }
        if (!i.events_) continue;
        const SavedSubscriber& s = saved.subscribers[n];
        Event e;
        e.kind = EventKind::subscriber_removed;
        e.time_us = when(saved_at + std::min(ended[n], down));
        e.b4 = s.softwires[0];
        e.subscriber = s.prefix;
        e.subscriber_length = c.subscriber_prefix_length;
        e.public_address = Ipv4Address{s.address};
        i.report(e);
    }
    return out;
}

}  // namespace dslite
