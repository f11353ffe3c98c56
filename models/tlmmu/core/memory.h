// Sparse physical memory: a fixed size, backed in 64 KiB blocks allocated on
// first write (unwritten memory reads as zero). The TLM memory model and the
// walker's direct port both use it.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <unordered_map>

#include "tlmmu/core/mmu.h"

namespace tlmmu {

class SparseMemory {
 public:
    static constexpr unsigned kBlockShift = 16;
    static constexpr uint64_t kBlockBytes = 1ull << kBlockShift;

    explicit SparseMemory(uint64_t size_bytes) : m_size(size_bytes) {}

    uint64_t size() const { return m_size; }
    bool contains(uint64_t pa, uint64_t len) const { return len <= m_size && pa <= m_size - len; }

    // Copy in or out; false (and nothing copied) when outside memory.
    bool read(uint64_t pa, void* out, uint64_t len) const;
    bool write(uint64_t pa, const void* in, uint64_t len);
    // 8-byte accesses (page-table entries) skip the block map when they fall
    // in the block used last: walks read neighbouring tables.
    bool read64(uint64_t pa, uint64_t& value) const {
        if (const uint8_t* b = cached_block(pa)) {
            std::memcpy(&value, b + (pa & (kBlockBytes - 1)), 8);
            return true;
        }
        return read(pa, &value, 8);
    }
    bool write64(uint64_t pa, uint64_t value) {
        if (uint8_t* b = cached_block(pa)) {
            std::memcpy(b + (pa & (kBlockBytes - 1)), &value, 8);
            return true;
        }
        return write(pa, &value, 8);
    }

    // Host pointer to the block holding pa (allocating it) and the block's
    // physical range, for DMI. Null when outside memory.
    uint8_t* block(uint64_t pa, uint64_t& block_start, uint64_t& block_end);

    uint64_t allocated_bytes() const { return m_blocks.size() * kBlockBytes; }

 private:
    // The last block found, if pa's 8 bytes lie inside it and inside memory.
    uint8_t* cached_block(uint64_t pa) const {
        const bool inside = (pa >> kBlockShift) == m_last_index && (pa & (kBlockBytes - 1)) <= kBlockBytes - 8 &&
                            m_size >= 8 && pa <= m_size - 8;
        return inside ? m_last_block : nullptr;
    }
    uint8_t* existing(uint64_t block_index) const {
        auto it = m_blocks.find(block_index);
        if (it == m_blocks.end()) return nullptr;
        m_last_index = block_index;
        m_last_block = it->second.get();  // blocks never move or go away
        return m_last_block;
    }
    uint8_t* materialise(uint64_t block_index);

    uint64_t m_size;
    std::unordered_map<uint64_t, std::unique_ptr<uint8_t[]>> m_blocks;
    mutable uint64_t m_last_index = ~0ull;
    mutable uint8_t* m_last_block = nullptr;
};

// The locked A/D read-modify-write on a SparseMemory, for every port that
// serves the walker straight from one: reads the entry into `observed` and,
// if it still equals `expected`, writes expected | bits. False (nothing
// written) when the entry lies outside memory.
inline bool locked_set_bits(SparseMemory& memory, uint64_t pa, uint64_t expected, uint64_t bits,
                            uint64_t& observed) {
    if (!memory.read64(pa, observed)) return false;
    if (observed == expected) memory.write64(pa, expected | bits);
    return true;
}

// The walker's port straight onto a SparseMemory, with a fixed access latency.
class DirectPhysicalAccess : public PhysicalAccess {
 public:
    DirectPhysicalAccess(SparseMemory& memory, unsigned latency_cycles)
        : m_memory(memory), m_latency(latency_cycles) {}

    unsigned latency() const { return m_latency; }
    void set_latency(unsigned cycles) { m_latency = cycles; }

    bool read_entry(const WalkStep& step, uint64_t& value, uint64_t& cycles) override {
        cycles += m_latency;
        return m_memory.read64(step.pa, value);
    }
    bool locked_set_bits(const WalkStep& step, uint64_t expected, uint64_t bits, uint64_t& observed,
                         uint64_t& cycles) override {
        cycles += 2 * m_latency;  // locked read, then write
        return tlmmu::locked_set_bits(m_memory, step.pa, expected, bits, observed);
    }
    bool debug_read_entry(uint64_t pa, uint64_t& value) override { return m_memory.read64(pa, value); }

 private:
    SparseMemory& m_memory;
    unsigned m_latency;
};

}  // namespace tlmmu
