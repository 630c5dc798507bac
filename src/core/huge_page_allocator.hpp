// SPDX-License-Identifier: BSD-2-Clause
// Allocator for the big per-binding tables. With a million bindings every
// lookup lands on a random page; on 4 KiB pages that is a TLB miss as well as
// a cache miss (and a two-dimensional page walk under a hypervisor). Asking
// for transparent huge pages before the memory is first touched removes most
// of that. Where the hint does not exist it is plain aligned memory.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <new>

#include <sys/mman.h>

namespace dslite {

template <class T>
struct HugePageAllocator {
    using value_type = T;
    static constexpr std::size_t kHugePage = std::size_t{2} << 20;

    HugePageAllocator() = default;
    template <class U>
    HugePageAllocator(const HugePageAllocator<U>&) {}

    T* allocate(std::size_t n) {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < kHugePage) {
            // At least T's own alignment: a subscriber record is a 64-byte line.
            constexpr std::size_t align = std::max(alignof(T), alignof(std::max_align_t));
            const std::size_t size = (std::max<std::size_t>(bytes, 1) + align - 1) / align * align;
            if (void* p = std::aligned_alloc(align, size)) return static_cast<T*>(p);
            throw std::bad_alloc();
        }
        const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
        void* p = std::aligned_alloc(kHugePage, rounded);
        if (!p) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
        madvise(p, rounded, MADV_HUGEPAGE);  // a hint: failure only costs speed
#endif
        return static_cast<T*>(p);
    }
    void deallocate(T* p, std::size_t) { std::free(p); }

    template <class U>
    bool operator==(const HugePageAllocator<U>&) const {
        return true;
    }
};

}  // namespace dslite
