// The firmware's slab allocator (firmware/kernel/slab.c) on host memory.
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

#include "arena.h"
#include "slab.h"

namespace {

struct SlabArena : Arena {
    SlabArena() : Arena(4 * (size_t(1) << BUDDY_MAX_ORDER)) { slab_init(&buddy); }
};

}  // namespace

TEST_CASE("kmalloc size classes are the powers of two from 8 to 8192", "[slab]") {
    CHECK(kmalloc_size_class(0) == 0);
    CHECK(kmalloc_size_class(1) == 8);
    CHECK(kmalloc_size_class(8) == 8);
    CHECK(kmalloc_size_class(9) == 16);
    CHECK(kmalloc_size_class(100) == 128);
    CHECK(kmalloc_size_class(4097) == 8192);
    CHECK(kmalloc_size_class(8192) == 8192);
    CHECK(kmalloc_size_class(8193) == 0);
}

TEST_CASE("kmalloc serves each size from its class's cache, aligned to the class", "[slab]") {
    SlabArena a;
    CHECK(kmalloc(0) == nullptr);
    CHECK(kmalloc(8193) == nullptr);
    for (unsigned i = 0; i < KMALLOC_CLASSES; ++i) {
        const size_t size = size_t(8) << i;
        kmem_cache_t* cache = kmalloc_cache(i);
        REQUIRE(cache->object_size == size);
        void* p = kmalloc(size);
        REQUIRE(p != nullptr);
        CHECK(cache->stats.allocs == 1);
        CHECK((reinterpret_cast<uintptr_t>(p) & 7) == 0);
        std::memset(p, 0xab, size);  // the whole object is usable
        void* q = kmalloc(size / 2 + 1);  // same class
        CHECK(cache->stats.allocs == 2);
        CHECK(kfree(p) == 0);
        CHECK(kfree(q) == 0);
    }
    CHECK(kfree(nullptr) == 0);
}

TEST_CASE("objects never overlap and a slab holds objects_per_slab of them", "[slab]") {
    SlabArena a;
    kmem_cache_t* c = kmem_cache_create("thing", 200);
    REQUIRE(c != nullptr);
    CHECK(c->object_size == 200);
    const unsigned per_slab = c->objects_per_slab;
    REQUIRE(per_slab > 100);
    std::set<uintptr_t> seen;
    std::vector<void*> objects;
    for (unsigned i = 0; i < 3 * per_slab; ++i) {
        void* p = kmem_cache_alloc(c);
        REQUIRE(p != nullptr);
        seen.insert(reinterpret_cast<uintptr_t>(p));
        objects.push_back(p);
    }
    CHECK(seen.size() == objects.size());
    uintptr_t prev = 0;
    for (uintptr_t p : seen) {
        if (prev) CHECK(p - prev >= 200);
        prev = p;
    }
    CHECK(c->stats.slabs_created == 3);
    for (void* p : objects) REQUIRE(kmem_cache_free(c, p) == 0);
    CHECK(kmem_cache_destroy(c) == 0);
}

TEST_CASE("freed objects are reused before a new slab is taken", "[slab]") {
    SlabArena a;
    kmem_cache_t* c = kmem_cache_create("reuse", 64);
    void* p = kmem_cache_alloc(c);
    void* q = kmem_cache_alloc(c);
    REQUIRE(kmem_cache_free(c, p) == 0);
    CHECK(kmem_cache_alloc(c) == p);  // LIFO free list
    CHECK(c->stats.slabs_created == 1);
    kmem_cache_free(c, p);
    kmem_cache_free(c, q);
    // An empty slab is kept for the next allocation, not returned at once.
    CHECK(c->stats.slabs_released == 0);
    const size_t free_before = a.buddy.free_pages;
    CHECK(kmem_cache_alloc(c) != nullptr);
    CHECK(a.buddy.free_pages == free_before);
}

TEST_CASE("slabs go back to the buddy allocator when a cache empties", "[slab]") {
    SlabArena a;
    const size_t free_at_start = a.buddy.free_pages;
    std::vector<void*> objects;
    kmem_cache_t* c = kmalloc_cache(KMALLOC_CLASSES - 1);  // 8192 bytes: 3 per slab
    for (int i = 0; i < 30; ++i) objects.push_back(kmalloc(8192));
    CHECK(c->stats.slabs_created == 10);
    CHECK(a.buddy.free_pages == free_at_start - 10 * (size_t(1) << SLAB_ORDER));
    for (void* p : objects) REQUIRE(kfree(p) == 0);
    CHECK(c->stats.slabs_released == 9);  // one empty slab is kept
    CHECK(a.buddy.free_pages == free_at_start - (size_t(1) << SLAB_ORDER));
}

TEST_CASE("double frees, foreign pointers and interior pointers are refused", "[slab]") {
    SlabArena a;
    void* p = kmalloc(32);
    void* q = kmalloc(32);
    REQUIRE(kfree(p) == 0);
    CHECK(kfree(p) == -1);  // double free
    CHECK(kfree(static_cast<char*>(q) + 8) == -1);  // inside an object
    int on_stack = 0;
    CHECK(kfree(&on_stack) == -1);  // not allocator memory
    const uintptr_t page = buddy_alloc(&a.buddy, 0);
    CHECK(kfree(reinterpret_cast<void*>(page)) == -1);  // a buddy page, not a slab
    kmem_cache_t* other = kmem_cache_create("other", 32);
    CHECK(kmem_cache_free(other, q) == -1);  // another cache's object
    CHECK(kmalloc_cache(2)->stats.bad_frees >= 2);
    CHECK(kfree(q) == 0);  // still valid after all the refusals
    CHECK(kmem_cache_alloc(other) != nullptr);
    CHECK(kmem_cache_destroy(other) == -1);  // an object is still in use
}

TEST_CASE("slab allocation fails cleanly when the buddy allocator is exhausted", "[slab]") {
    SlabArena a;
    while (buddy_alloc(&a.buddy, 0)) {
    }
    CHECK(kmalloc(64) == nullptr);
    CHECK(kmem_cache_create("none", 64) == nullptr);
}
