#include "session_table.hpp"

namespace dslite {

SessionTable::SessionTable(std::uint32_t capacity, std::uint64_t seed)
    : seed_(mix64(seed ^ 0x7365'7373'696f'6e73ull)), slab_(capacity), inner_(capacity), public_(capacity) {}

std::uint32_t SessionTable::insert(const Session& session) {
    const std::uint32_t id = slab_.acquire();
    if (id == npos) return npos;
    slab_[id] = session;
    inner_.insert(inner_hash(session.b4, session.inner_address, session.inner_port, session.proto), id);
    public_.insert(public_hash(session.public_address, session.public_port, session.proto), id);
    return id;
}

void SessionTable::erase(std::uint32_t id) {
    const Session& s = slab_[id];
    inner_.erase(inner_hash(s.b4, s.inner_address, s.inner_port, s.proto), id);
    public_.erase(public_hash(s.public_address, s.public_port, s.proto), id);
    slab_.release(id);
}

}  // namespace dslite
