#include <catch2/catch.hpp>

#include "tlmmu/core/tlb.h"

using namespace tlmmu;

namespace {
TlbLevelConfig level(std::vector<ArrayConfig> arrays, bool splinter = true) {
    TlbLevelConfig c;
    c.name = "test";
    c.arrays = std::move(arrays);
    c.splinter = splinter;
    return c;
}
ArrayConfig array(uint8_t sizes, unsigned sets, unsigned ways) {
    ArrayConfig a;
    a.sizes = sizes;
    a.sets = sets;
    a.ways = ways;
    return a;
}
Mapping mapping(uint64_t va, uint64_t pa, PageSize size, uint16_t pcid, bool global = false) {
    Mapping m;
    m.va_base = va;
    m.pa_base = pa;
    m.size = size;
    m.pcid = pcid;
    m.global = global;
    return m;
}
}  // namespace

TEST_CASE("entries are tagged with the PCID; global entries match every PCID") {
    TlbLevel tlb(level({array(0b001, 16, 4)}), 1);
    tlb.fill(mapping(0x1000, 0xa000, PageSize::k4, 1), 0x1000);
    tlb.fill(mapping(0x2000, 0xb000, PageSize::k4, 1, true), 0x2000);
    CHECK(tlb.lookup(0x1000, 1));
    CHECK_FALSE(tlb.lookup(0x1000, 2));
    CHECK(tlb.lookup(0x2000, 2));
    CHECK(tlb.flush_pcid(1, true) == 1);
    CHECK(tlb.lookup(0x2000, 1));
}

TEST_CASE("refilling the same page replaces the entry instead of adding a twin") {
    TlbLevel tlb(level({array(0b001, 1, 4)}), 1);
    tlb.fill(mapping(0x1000, 0xa000, PageSize::k4, 3), 0x1000);
    Mapping dirty = mapping(0x1000, 0xa000, PageSize::k4, 3);
    dirty.dirty = true;
    const auto r = tlb.fill(dirty, 0x1000);
    CHECK(r.stored);
    CHECK_FALSE(r.evicted);
    CHECK(tlb.valid_entries() == 1);
    CHECK(tlb.lookup(0x1000, 3)->dirty);
}

TEST_CASE("a full set evicts the least recently used way") {
    TlbLevel tlb(level({array(0b001, 1, 2)}), 1);
    tlb.fill(mapping(0x1000, 0xa000, PageSize::k4, 0), 0x1000);
    tlb.fill(mapping(0x2000, 0xb000, PageSize::k4, 0), 0x2000);
    tlb.lookup(0x1000, 0);
    CHECK(tlb.fill(mapping(0x3000, 0xc000, PageSize::k4, 0), 0x3000).evicted);
    CHECK(tlb.lookup(0x1000, 0));
    CHECK_FALSE(tlb.lookup(0x2000, 0));
}

TEST_CASE("a 1 GiB page in a level without 1g arrays is splintered, and INVLPG drops every fragment") {
    TlbLevel tlb(level({array(0b001, 16, 4), array(0b010, 8, 4)}), 1);
    const Mapping gb = mapping(0x40000000, 0x80000000, PageSize::g1, 5);
    tlb.fill(gb, 0x40000000);
    tlb.fill(gb, 0x40200000 + 0x1234);
    tlb.fill(gb, 0x7fe00000);
    const TlbEntry* e = tlb.lookup(0x40201000, 5);
    REQUIRE(e);
    CHECK(e->granule == PageSize::m2);
    CHECK(e->page == PageSize::g1);
    CHECK(e->frame == 0x80200000);
    CHECK(tlb.valid_entries() == 3);
    CHECK(tlb.flush_page(0x40000000 + 0x12345678, 5, true, true) == 3);
    CHECK(tlb.valid_entries() == 0);
}

TEST_CASE("without splintering a page size the level does not hold is not cached") {
    TlbLevel tlb(level({array(0b001, 16, 4)}, false), 1);
    CHECK_FALSE(tlb.fill(mapping(0x200000, 0x400000, PageSize::m2, 0), 0x200000).stored);
    CHECK(tlb.valid_entries() == 0);
}

TEST_CASE("a 2 MiB and a 4 KiB page with the same numeric tag do not alias in a unified array") {
    TlbLevel tlb(level({array(0b011, 16, 4)}), 1);
    // VPN 1 at 4K is 0x1000; VPN 1 at 2M is 0x200000.
    tlb.fill(mapping(0x200000, 0x600000, PageSize::m2, 0), 0x200000);
    CHECK_FALSE(tlb.lookup(0x1000, 0));
    CHECK(tlb.lookup(0x200000 + 0x1000, 0)->frame == 0x600000);
}

// lookup() answers a repeated page from the last hit it remembers; peek()
// always probes the arrays. Whatever fills and flushes happen in between,
// both must name the same entry (or none).
TEST_CASE("a remembered recent hit always names the entry the probes would find") {
    TlbLevel tlb(level({array(0b001, 4, 2), array(0b010, 2, 2), array(0b100, 1, 2)}), 7);
    uint64_t state = 0x9e3779b97f4a7c15ull;
    auto next = [&state] {  // xorshift64: fixed sequence
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    const PageSize sizes[] = {PageSize::k4, PageSize::m2, PageSize::g1};
    // Addresses inside two 1 GiB regions, so 4K, 2M and 1G entries overlap.
    auto random_va = [&] { return (next() % 2) << 30 | (next() % 4) << 21 | (next() % 8) << 12 | (next() & 0xfff); };
    unsigned hits = 0;
    for (int step = 0; step < 200000; ++step) {
        const uint64_t va = random_va();
        const uint16_t pcid = uint16_t(next() % 3);
        switch (next() % 16) {
            case 0: {
                const PageSize size = sizes[next() % 3];
                const uint64_t base = va & ~(page_bytes(size) - 1);
                tlb.fill(mapping(base, (next() % 64) << 30, size, pcid, next() % 4 == 0), va);
                break;
            }
            case 1: tlb.flush_page(va, pcid, true, next() % 2 == 0); break;
            case 2: if (next() % 8 == 0) tlb.flush_pcid(pcid, next() % 2 == 0); break;
            case 3: if (next() % 32 == 0) tlb.flush_nonglobal(); break;
            default: {
                const TlbEntry* expected = tlb.peek(va, pcid);
                const TlbEntry* got = tlb.lookup(va, pcid);
                REQUIRE(got == expected);
                if (got) {
                    ++hits;
                    REQUIRE(tlb.lookup(va, pcid) == got);  // the recent-hit table
                }
            }
        }
    }
    CHECK(hits > 10000);
}

// The same random fills and flushes as above, with full flushes among them
// (which let probes skip page sizes again) and fills copied from the entry of
// another level (fill_from): lookup must still name what peek finds, and a
// copied fill must store exactly what fill(entry.mapping()) stores.
TEST_CASE("probes that skip unstored page sizes and fills copied from another level change no answer") {
    const auto config = level({array(0b011, 8, 4), array(0b100, 1, 2)});
    TlbLevel tlb(config, 7), upper(level({array(0b111, 4, 2)}), 9), twin(config, 7);
    uint64_t state = 0x243f6a8885a308d3ull;
    auto next = [&state] {  // xorshift64: fixed sequence
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    const PageSize sizes[] = {PageSize::k4, PageSize::m2, PageSize::g1};
    auto random_va = [&] { return (next() % 2) << 30 | (next() % 4) << 21 | (next() % 8) << 12 | (next() & 0xfff); };
    unsigned hits = 0, copies = 0;
    for (int step = 0; step < 100000; ++step) {
        const uint64_t va = random_va();
        const uint16_t pcid = uint16_t(next() % 3);
        switch (next() % 16) {
            case 0: {
                const PageSize size = sizes[next() % 3];
                const Mapping m = mapping(va & ~(page_bytes(size) - 1), (next() % 64) << 30, size, pcid, next() % 4 == 0);
                upper.fill(m, va);
                tlb.fill(m, va);
                twin.fill(m, va);
                break;
            }
            case 1:
                if (const TlbEntry* e = upper.peek(va, pcid)) {  // an L2 hit refilling L1
                    const TlbLevel::FillResult a = tlb.fill_from(*e, va), b = twin.fill(e->mapping(), va);
                    REQUIRE(a.stored == b.stored);
                    REQUIRE(a.evicted == b.evicted);
                    ++copies;
                }
                break;
            case 2: tlb.flush_page(va, pcid, true, true); twin.flush_page(va, pcid, true, true); break;
            case 3:
                if (next() % 64 == 0) {
                    tlb.flush_all();
                    twin.flush_all();
                    upper.flush_all();
                }
                break;
            default: {
                const TlbEntry* expected = tlb.peek(va, pcid);
                REQUIRE(tlb.lookup(va, pcid) == expected);
                const TlbEntry* other = twin.peek(va, pcid);
                REQUIRE(bool(expected) == bool(other));
                if (expected) {
                    ++hits;
                    REQUIRE(expected->tag == other->tag);
                    REQUIRE(expected->frame == other->frame);
                    REQUIRE(expected->va_to_pa == other->va_to_pa);
                    REQUIRE(expected->page == other->page);
                    REQUIRE(expected->hit_class == other->hit_class);
                    twin.lookup(va, pcid);  // the same replacement touches in both
                }
            }
        }
    }
    CHECK(hits > 5000);
    CHECK(copies > 1000);
}
