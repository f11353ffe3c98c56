#include "tlmmu/core/page_table_builder.h"

#include <sstream>

namespace tlmmu {

namespace {
constexpr uint64_t kAddressBits = 0x000ffffffffff000ull;  // 51:12

std::string hex(uint64_t v) {
    std::ostringstream out;
    out << "0x" << std::hex << v;
    return out.str();
}

bool is_leaf(uint64_t entry, unsigned level) { return level == 1 || ((entry & pte::PS) && level <= 3); }
}  // namespace

PageTableBuilder::PageTableBuilder(SparseMemory& memory, std::function<uint64_t()> allocate_table, unsigned levels)
    : m_memory(memory), m_allocate(std::move(allocate_table)), m_levels(levels) {}

uint64_t PageTableBuilder::read(uint64_t entry_pa) const {
    uint64_t v = 0;
    if (!m_memory.read64(entry_pa, v)) throw PageTableError("page-table entry " + hex(entry_pa) + " is outside memory");
    return v;
}

void PageTableBuilder::write(uint64_t entry_pa, uint64_t value) {
    if (!m_memory.write64(entry_pa, value))
        throw PageTableError("page-table entry " + hex(entry_pa) + " is outside memory");
}

uint64_t PageTableBuilder::new_root() {
    const uint64_t table = m_allocate();
    if (table & 0xfff) throw PageTableError("table allocator returned unaligned frame " + hex(table));
    static const uint8_t zero[4096] = {};
    if (!m_memory.write(table, zero, sizeof zero))
        throw PageTableError("table frame " + hex(table) + " is outside memory");
    return table;
}

void PageTableBuilder::map(uint64_t root, uint64_t va, uint64_t pa, PageSize size, uint64_t leaf_flags,
                           uint64_t table_flags) {
    const uint64_t align = page_bytes(size) - 1;
    if ((va & align) || (pa & align))
        throw PageTableError("map " + hex(va) + " -> " + hex(pa) + ": not aligned to a " + to_string(size) + " page");
    const unsigned leaf = leaf_level(size);
    uint64_t table = root;
    for (unsigned level = m_levels; level > leaf; --level) {
        const uint64_t slot = table + 8 * PagingGeometry::index(va, level);
        uint64_t entry = read(slot);
        if (!(entry & pte::P)) {
            const uint64_t next = new_root();
            entry = next | (table_flags & ~kAddressBits & ~pte::PS) | pte::P;
            write(slot, entry);
        } else if (is_leaf(entry, level)) {
            throw PageTableError("map " + hex(va) + ": already mapped by a " + level_name(level) + " leaf");
        }
        table = entry & kAddressBits;
    }
    uint64_t entry = pa | (leaf_flags & ~kAddressBits) | pte::P;
    if (leaf > 1) entry |= pte::PS;
    write(table + 8 * PagingGeometry::index(va, leaf), entry);
}

uint64_t PageTableBuilder::entry_address(uint64_t root, uint64_t va, unsigned level) const {
    if (level < 1 || level > m_levels)
        throw PageTableError(std::string("no ") + level_name(level) + " level in " + std::to_string(m_levels) +
                             "-level paging");
    uint64_t table = root;
    for (unsigned l = m_levels; l > level; --l) {
        const uint64_t entry = read(table + 8 * PagingGeometry::index(va, l));
        if (!(entry & pte::P))
            throw PageTableError(hex(va) + ": " + level_name(l) + " entry is not present");
        if (is_leaf(entry, l)) throw PageTableError(hex(va) + ": " + level_name(l) + " entry is a leaf");
        table = entry & kAddressBits;
    }
    return table + 8 * PagingGeometry::index(va, level);
}

unsigned PageTableBuilder::leaf_level_of(uint64_t root, uint64_t va) const {
    uint64_t table = root;
    for (unsigned l = m_levels; l >= 1; --l) {
        const uint64_t entry = read(table + 8 * PagingGeometry::index(va, l));
        if (!(entry & pte::P)) return 0;
        if (is_leaf(entry, l)) return l;
        table = entry & kAddressBits;
    }
    return 0;
}

bool PageTableBuilder::unmap(uint64_t root, uint64_t va) {
    const unsigned leaf = leaf_level_of(root, va);
    if (!leaf) return false;
    write(entry_address(root, va, leaf), 0);
    return true;
}

}  // namespace tlmmu
