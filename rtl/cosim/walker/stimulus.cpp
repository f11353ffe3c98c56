#include "stimulus.h"

#include <algorithm>
#include <stdexcept>

namespace tlmmu::cosim::walker {

namespace {

bool is_leaf(uint64_t entry, unsigned level) { return level == 1 || (level <= 3 && (entry & pte::PS)); }

uint64_t phys_mask(unsigned maxphyaddr) { return (1ull << maxphyaddr) - 1; }

uint64_t sign_extend(uint64_t va, unsigned bits) { return uint64_t(int64_t(va << (64 - bits)) >> (64 - bits)); }

}  // namespace

RandomPageTables::RandomPageTables(SparseMemory& memory, unsigned levels, unsigned maxphyaddr,
                                   uint64_t table_region, unsigned max_tables)
    : m_memory(memory), m_levels(levels), m_maxphyaddr(maxphyaddr), m_region(table_region),
      m_max_tables(max_tables) {
    if (!memory.contains(table_region, uint64_t(max_tables) * 4096))
        throw std::invalid_argument("page-table region does not fit in memory");
}

uint64_t RandomPageTables::read(uint64_t pa) const {
    uint64_t v = 0;
    m_memory.read64(pa, v);
    return v;
}

void RandomPageTables::write(uint64_t pa, uint64_t value) { m_memory.write64(pa, value); }

uint64_t RandomPageTables::new_table(unsigned level) {
    const uint64_t table = m_region + 4096 * m_tables.size();
    m_tables.push_back({table, level});
    return table;  // zeroed by rebuild (or never written)
}

uint64_t RandomPageTables::existing_table(Random& rng, unsigned level) {
    // Mostly a table of the same level (shared by two entries); now and then
    // any table, read as another level than it was built for (recursive and
    // cross-level mappings).
    if (rng.percent(90)) {
        std::vector<uint64_t> same;
        for (const Table& t : m_tables)
            if (t.level == level) same.push_back(t.pa);
        if (!same.empty()) return same[rng.below(same.size())];
    }
    return m_tables[rng.below(m_tables.size())].pa;
}

uint64_t RandomPageTables::rebuild(Random& rng, unsigned pool_size) {
    static const uint8_t zero[4096] = {};
    for (const Table& table : m_tables) m_memory.write(table.pa, zero, sizeof zero);
    m_tables.clear();
    m_written.clear();
    m_edits.clear();
    m_root = new_table(m_levels);

    // Few indices per level, so that pages share tables and each other's A bits.
    const unsigned va_bits = 12 + 9 * m_levels;
    std::vector<std::vector<uint64_t>> indices(m_levels + 1);
    for (unsigned level = 1; level <= m_levels; ++level) {
        const unsigned choices = level == 1 ? 4 : 3;
        for (unsigned i = 0; i < choices; ++i) indices[level].push_back(rng.below(512));
    }
    indices[m_levels][0] |= 256;  // one upper-half (kernel) region: sign-extended addresses
    m_pool.clear();
    for (unsigned i = 0; i < pool_size; ++i) {
        uint64_t va = 0;
        for (unsigned level = 1; level <= m_levels; ++level) {
            const auto& choice = indices[level];
            va |= choice[rng.below(choice.size())] << PagingGeometry::index_shift(level);
        }
        m_pool.push_back(sign_extend(va, va_bits));
    }
    for (uint64_t va : m_pool) path(&rng, va);
    return m_root;
}

uint64_t RandomPageTables::random_va(Random& rng) const {
    uint64_t va = m_pool[rng.below(m_pool.size())] | rng.below(4096);
    // Large pages: vary the bits below 2 MiB / 1 GiB as well, now and then.
    if (rng.percent(4)) va ^= (rng.below(1u << 18) << 12);
    const unsigned va_bits = 12 + 9 * m_levels;
    va = sign_extend(va, va_bits);
    if (rng.percent(1)) va ^= 1ull << (va_bits + rng.below(64 - va_bits));  // non-canonical
    return va;
}

uint64_t RandomPageTables::random_entry(Random& rng, unsigned level) {
    // An entry of an upper level covers much of the pool: faults planted there
    // are rarer, so that the lower levels are reached often.
    const unsigned scarce = level >= 3 ? 4 : level == 2 ? 2 : 1;
    if (rng.below(1000) < 40 / scarce) return rng.percent(50) ? 0 : (rng.bits() & ~pte::P);  // not present

    uint64_t e = pte::P;
    const bool leaf = level == 1 || (level == 2 && rng.percent(30)) || (level == 3 && rng.percent(25));
    if (leaf && level > 1) e |= pte::PS;
    if (level >= 4 && rng.below(1000) < 3) e |= pte::PS;  // reserved in a PML4E / PML5E
    // Upper levels mostly grant, so that the leaf's rights decide more often.
    if (rng.percent(leaf ? 70 : 92)) e |= pte::RW;
    if (rng.percent(leaf ? 65 : 92)) e |= pte::US;
    if (rng.below(1000) < 80 / scarce) e |= pte::XD;  // reserved when EFER.NXE=0
    if (rng.percent(50)) e |= pte::A;
    if (rng.percent(10)) e |= pte::PWT;
    if (rng.percent(10)) e |= pte::PCD;
    e |= rng.bits() & 0xe00;                                       // 11:9 ignored
    if (rng.percent(20)) e |= rng.bits() & 0x07f0000000000000ull;  // 58:52 ignored
    if (leaf) {
        if (rng.percent(50)) e |= pte::D;
        if (rng.percent(25)) e |= pte::G;
        if (rng.percent(40)) e |= (rng.bits() & 0xf) << pte::PKEY_SHIFT;
        if (level == 1 && rng.percent(10)) e |= pte::PS;  // PAT in a PTE
        const unsigned shift = 12 + 9 * (level - 1);
        e |= rng.bits() & phys_mask(m_maxphyaddr) & ~((1ull << shift) - 1);
        if (level > 1 && rng.percent(10)) e |= pte::PAT_LARGE;
        if (level > 1 && rng.percent(2)) {  // a reserved low bit, the end bits (13, 20 / 29) as often as the rest
            const unsigned pick = unsigned(rng.below(4));
            e |= 1ull << (pick == 0 ? 13 : pick == 1 ? shift - 1 : 13 + rng.below(shift - 13));
        }
    } else {
        e |= rng.bits() & (pte::D | pte::G);  // ignored in a non-leaf entry
        if (rng.percent(20)) e |= (rng.bits() & 0xf) << pte::PKEY_SHIFT;  // ignored here too
        const unsigned pick = unsigned(rng.below(100));
        uint64_t next = 0;
        if (pick < 80 && m_tables.size() < m_max_tables) {
            next = new_table(level - 1);
        } else if (pick < 97) {
            next = existing_table(rng, level - 1);
        } else {
            // A table outside memory: the read is rejected (bus fault).
            const uint64_t span = phys_mask(m_maxphyaddr) + 1 - m_memory.size();
            next = (m_memory.size() + rng.below(span)) & ~0xfffull;
        }
        e |= next;
    }
    if (m_maxphyaddr < 52 && rng.below(1000) < 20 / scarce) e |= 1ull << (m_maxphyaddr + rng.below(52 - m_maxphyaddr));
    return e;
}

std::vector<uint64_t> RandomPageTables::path(Random* rng, uint64_t va) {
    std::vector<uint64_t> slots;
    uint64_t table = m_root;
    for (unsigned level = m_levels; level >= 1; --level) {
        const uint64_t slot = table + 8 * PagingGeometry::index(va, level);
        if (rng && m_written.insert(slot).second) write(slot, random_entry(*rng, level));
        slots.push_back(slot);
        const uint64_t e = read(slot);
        if (!(e & pte::P) || is_leaf(e, level)) break;
        table = e & phys_mask(m_maxphyaddr) & ~0xfffull;
        if (!m_memory.contains(table, 4096)) break;
    }
    return slots;
}

void RandomPageTables::mutate(Random& rng) {
    const uint64_t va = m_pool[rng.below(m_pool.size())];
    const std::vector<uint64_t> slots = path(&rng, va);
    const unsigned kind = unsigned(rng.below(10));
    if (kind < 4) {
        for (uint64_t slot : slots) write(slot, read(slot) & ~(pte::A | pte::D));
        return;
    }
    const size_t depth = std::max(rng.below(slots.size()), rng.below(slots.size()));  // lower levels more often
    const uint64_t slot = slots[depth];
    const unsigned level = m_levels - unsigned(depth);
    m_edits.emplace_back(slot, read(slot));
    static const uint64_t flips[] = {pte::P, pte::RW, pte::US, pte::XD, pte::PS, pte::G, pte::D, 1ull << 60};
    if (kind == 9) {
        write(slot, random_entry(rng, level));
        path(&rng, va);  // fill a table the new entry may point to
    } else if (kind == 8 && m_maxphyaddr < 52) {
        write(slot, read(slot) ^ (1ull << (m_maxphyaddr + rng.below(52 - m_maxphyaddr))));
    } else {
        write(slot, read(slot) ^ flips[rng.below(sizeof flips / sizeof flips[0])]);
    }
}

void RandomPageTables::repair(Random& rng) {
    if (m_edits.empty()) return;
    const size_t i = rng.below(m_edits.size());
    write(m_edits[i].first, m_edits[i].second);
    m_edits.erase(m_edits.begin() + long(i));
}

ControlState random_control(Random& rng) {
    ControlState c;
    c.wp = rng.percent(70);
    c.smep = rng.percent(50);
    c.smap = rng.percent(50);
    c.pke = rng.percent(50);
    c.pge = rng.percent(50);
    c.nxe = rng.percent(85);
    c.ac = rng.percent(50);
    // Mostly sparse key rights, so that some keys allow and some deny.
    for (unsigned key = 0; key < 16; ++key)
        if (rng.percent(25)) c.pkru |= uint32_t(1 + rng.below(3)) << (2 * key);
    return c;
}

Access random_access(Random& rng, uint64_t va) {
    Access a;
    a.va = va;
    const unsigned pick = unsigned(rng.below(100));
    a.type = pick < 40 ? AccessType::read : pick < 75 ? AccessType::write : AccessType::fetch;
    a.user = rng.percent(50);
    a.implicit = !a.user && rng.percent(20);
    return a;
}

}  // namespace tlmmu::cosim::walker
