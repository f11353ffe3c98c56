#include <catch2/catch.hpp>

#include "tlmmu/core/replacement.h"

using namespace tlmmu;

TEST_CASE("LRU evicts the least recently touched way") {
    Replacement r(ReplacementPolicy::lru, 1, 4, 1);
    for (unsigned w = 0; w < 4; ++w) r.touch(0, w);
    r.touch(0, 0);
    CHECK(r.victim(0) == 1);
    r.touch(0, 1);
    CHECK(r.victim(0) == 2);
}

TEST_CASE("tree pseudo-LRU never evicts the way just touched and cycles through all ways") {
    Replacement r(ReplacementPolicy::tree_plru, 1, 8, 1);
    bool seen[8] = {};
    for (unsigned i = 0; i < 8; ++i) {
        const unsigned v = r.victim(0);
        seen[v] = true;
        r.touch(0, v);
        CHECK(r.victim(0) != v);
    }
    for (bool s : seen) CHECK(s);
}

TEST_CASE("random replacement is deterministic for a seed") {
    Replacement a(ReplacementPolicy::random, 1, 12, 42), b(ReplacementPolicy::random, 1, 12, 42);
    for (int i = 0; i < 100; ++i) {
        const unsigned v = a.victim(0);
        CHECK(v < 12);
        CHECK(v == b.victim(0));
    }
}
