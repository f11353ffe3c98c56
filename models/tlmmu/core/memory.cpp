#include "tlmmu/core/memory.h"

#include <algorithm>

namespace tlmmu {

uint8_t* SparseMemory::materialise(uint64_t block_index) {
    auto& slot = m_blocks[block_index];
    if (!slot) {
        slot.reset(new uint8_t[kBlockBytes]);
        std::memset(slot.get(), 0, kBlockBytes);
    }
    m_last_index = block_index;
    m_last_block = slot.get();
    return slot.get();
}

bool SparseMemory::read(uint64_t pa, void* out, uint64_t len) const {
    if (!contains(pa, len)) return false;
    auto* dst = static_cast<uint8_t*>(out);
    while (len) {
        const uint64_t offset = pa & (kBlockBytes - 1);
        const uint64_t chunk = std::min(len, kBlockBytes - offset);
        if (const uint8_t* b = existing(pa >> kBlockShift)) std::memcpy(dst, b + offset, chunk);
        else std::memset(dst, 0, chunk);
        dst += chunk;
        pa += chunk;
        len -= chunk;
    }
    return true;
}

bool SparseMemory::write(uint64_t pa, const void* in, uint64_t len) {
    if (!contains(pa, len)) return false;
    auto* src = static_cast<const uint8_t*>(in);
    while (len) {
        const uint64_t offset = pa & (kBlockBytes - 1);
        const uint64_t chunk = std::min(len, kBlockBytes - offset);
        std::memcpy(materialise(pa >> kBlockShift) + offset, src, chunk);
        src += chunk;
        pa += chunk;
        len -= chunk;
    }
    return true;
}

uint8_t* SparseMemory::block(uint64_t pa, uint64_t& block_start, uint64_t& block_end) {
    if (!contains(pa, 1)) return nullptr;
    block_start = pa & ~(kBlockBytes - 1);
    block_end = std::min(block_start + kBlockBytes, m_size) - 1;
    return materialise(pa >> kBlockShift);
}

}  // namespace tlmmu
