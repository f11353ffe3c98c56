// A slab allocator on top of the buddy allocator: object caches
// (kmem_cache_create / kmem_cache_alloc / kmem_cache_free) whose slabs are
// 32 KiB buddy blocks, and kmalloc/kfree over power-of-two size classes from
// 8 to 8192 bytes.
//
// A slab starts with its header (cache, free list, an allocation bitmap that
// catches double frees) followed by the objects. Slabs are aligned to their
// size relative to the buddy base, so kfree finds the slab of any object by
// masking its address. Plain C, tested on the host (tests/firmware).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "buddy.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SLAB_ORDER 3                                  // 8 pages per slab
#define SLAB_BYTES (BUDDY_PAGE_SIZE << SLAB_ORDER)    // 32 KiB
#define SLAB_MIN_OBJECT 8
#define SLAB_MAX_OBJECT 8192
#define KMALLOC_CLASSES 11                            // 8, 16, ..., 8192

struct slab;

typedef struct kmem_cache_stats {
    uint64_t allocs;
    uint64_t frees;
    uint64_t slabs_created;
    uint64_t slabs_released;
    uint64_t bad_frees;     // invalid pointer or double free
} kmem_cache_stats_t;

typedef struct kmem_cache {
    const char* name;
    size_t object_size;     // rounded up to 8 bytes
    unsigned objects_per_slab;
    struct slab* partial;   // slabs with free and used objects
    struct slab* full;      // slabs with no free object
    struct slab* empty;     // at most one slab kept with no used object
    kmem_cache_stats_t stats;
    struct kmem_cache* next_cache;
} kmem_cache_t;

// Sets the buddy allocator the slabs come from; forgets all caches.
void slab_init(buddy_t* pages);

// A cache of objects of `size` bytes (1..SLAB_MAX_OBJECT), or NULL. The cache
// descriptor itself is allocated from the kmalloc caches.
kmem_cache_t* kmem_cache_create(const char* name, size_t size);
// Returns every slab to the buddy allocator; refuses (-1) while objects are in use.
int kmem_cache_destroy(kmem_cache_t* cache);
void* kmem_cache_alloc(kmem_cache_t* cache);
// 0, or -1 if `obj` is not an allocated object of this cache (double free included).
int kmem_cache_free(kmem_cache_t* cache, void* obj);

// The size class serving `size` bytes (8..8192), 0 if none does.
size_t kmalloc_size_class(size_t size);
// NULL for size 0 or size > SLAB_MAX_OBJECT.
void* kmalloc(size_t size);
// 0, or -1 for a pointer kmalloc did not return or already freed. kfree(NULL) is a no-op.
int kfree(void* ptr);
// The kmalloc cache of a size class index (0 = 8 bytes ... 10 = 8192 bytes).
kmem_cache_t* kmalloc_cache(unsigned class_index);

#ifdef __cplusplus
}
#endif
