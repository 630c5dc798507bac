// SPDX-License-Identifier: BSD-2-Clause
#include "binding_table.hpp"

namespace dslite {

BindingTable::BindingTable(std::uint32_t capacity, std::uint64_t seed)
    : seed_(mix64(seed ^ 0x7365'7373'696f'6e73ull)), slab_(capacity), inner_(capacity), public_(capacity) {}

std::uint32_t BindingTable::insert(const Binding& binding) {
    const std::uint32_t id = slab_.acquire();
    if (id == npos) return npos;
    slab_[id] = binding;
    ++census_[static_cast<std::size_t>(state_of(binding))];
    inner_.insert(binding.inner_hash, id);
    public_.insert(public_hash(binding.public_address, binding.public_port, binding.proto), id);
    return id;
}

void BindingTable::erase(std::uint32_t id) {
    const Binding& s = slab_[id];
    --census_[static_cast<std::size_t>(state_of(s))];
    inner_.erase(s.inner_hash, id);
    public_.erase(public_hash(s.public_address, s.public_port, s.proto), id);
    slab_.release(id);
}

}  // namespace dslite
