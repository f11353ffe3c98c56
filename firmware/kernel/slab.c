#include "slab.h"

#define SLAB_MAGIC 0x51AB51ABu
#define SLAB_MAX_OBJECTS (SLAB_BYTES / SLAB_MIN_OBJECT)

typedef struct slab_free_object {
    struct slab_free_object* next;
} slab_free_object_t;

typedef struct slab {
    uint32_t magic;
    uint32_t in_use;
    kmem_cache_t* cache;
    struct slab* next;
    struct slab* prev;
    slab_free_object_t* free_objects;
    uintptr_t first_object;
    uint8_t allocated[SLAB_MAX_OBJECTS / 8];  // one bit per object
} slab_t;

#define SLAB_HEADER_BYTES ((sizeof(slab_t) + 63) & ~(size_t)63)

static buddy_t* g_pages;
static kmem_cache_t g_kmalloc[KMALLOC_CLASSES];
static const char* const g_kmalloc_names[KMALLOC_CLASSES] = {
    "kmalloc-8",   "kmalloc-16",  "kmalloc-32",   "kmalloc-64",   "kmalloc-128", "kmalloc-256",
    "kmalloc-512", "kmalloc-1024", "kmalloc-2048", "kmalloc-4096", "kmalloc-8192"};
static kmem_cache_t* g_cache_descriptors;  // cache of kmem_cache_t for kmem_cache_create

static void cache_setup(kmem_cache_t* c, const char* name, size_t size) {
    c->name = name;
    c->object_size = (size + 7) & ~(size_t)7;
    c->objects_per_slab = (unsigned)((SLAB_BYTES - SLAB_HEADER_BYTES) / c->object_size);
    c->partial = c->full = c->empty = 0;
    kmem_cache_stats_t zero = {0, 0, 0, 0, 0};
    c->stats = zero;
    c->next_cache = 0;
}

void slab_init(buddy_t* pages) {
    g_pages = pages;
    for (unsigned i = 0; i < KMALLOC_CLASSES; ++i) cache_setup(&g_kmalloc[i], g_kmalloc_names[i], (size_t)8 << i);
    g_cache_descriptors = 0;
}

static void list_add(slab_t** head, slab_t* s) {
    s->prev = 0;
    s->next = *head;
    if (s->next) s->next->prev = s;
    *head = s;
}

static void list_del(slab_t** head, slab_t* s) {
    if (s->prev) s->prev->next = s->next;
    else *head = s->next;
    if (s->next) s->next->prev = s->prev;
    s->next = s->prev = 0;
}

static slab_t* slab_create(kmem_cache_t* c) {
    const uintptr_t block = buddy_alloc(g_pages, SLAB_ORDER);
    if (!block) return 0;
    slab_t* s = (slab_t*)block;
    s->magic = SLAB_MAGIC;
    s->in_use = 0;
    s->cache = c;
    s->next = s->prev = 0;
    s->first_object = block + SLAB_HEADER_BYTES;
    for (size_t i = 0; i < sizeof s->allocated; ++i) s->allocated[i] = 0;
    // Thread the free list in address order.
    s->free_objects = 0;
    for (unsigned i = c->objects_per_slab; i-- > 0;) {
        slab_free_object_t* o = (slab_free_object_t*)(s->first_object + (uintptr_t)i * c->object_size);
        o->next = s->free_objects;
        s->free_objects = o;
    }
    ++c->stats.slabs_created;
    return s;
}

static void slab_release(kmem_cache_t* c, slab_t* s) {
    s->magic = 0;
    buddy_free(g_pages, (uintptr_t)s, SLAB_ORDER);
    ++c->stats.slabs_released;
}

void* kmem_cache_alloc(kmem_cache_t* c) {
    if (!c) return 0;
    slab_t* s = c->partial;
    if (!s) {
        if (c->empty) {
            s = c->empty;
            c->empty = 0;
        } else {
            s = slab_create(c);
            if (!s) return 0;
        }
        list_add(&c->partial, s);
    }
    slab_free_object_t* o = s->free_objects;
    s->free_objects = o->next;
    const unsigned index = (unsigned)(((uintptr_t)o - s->first_object) / c->object_size);
    s->allocated[index / 8] |= (uint8_t)(1u << (index % 8));
    ++s->in_use;
    if (!s->free_objects) {
        list_del(&c->partial, s);
        list_add(&c->full, s);
    }
    ++c->stats.allocs;
    return o;
}

// The slab holding `ptr`, or NULL if ptr is not inside a live slab.
static slab_t* slab_of(const void* ptr) {
    if (!g_pages) return 0;
    const uintptr_t p = (uintptr_t)ptr;
    if (p < g_pages->base) return 0;
    const uintptr_t block = g_pages->base + ((p - g_pages->base) & ~(uintptr_t)(SLAB_BYTES - 1));
    if (!buddy_is_allocated(g_pages, block, SLAB_ORDER)) return 0;
    slab_t* s = (slab_t*)block;
    return s->magic == SLAB_MAGIC ? s : 0;
}

static int slab_free_object(slab_t* s, void* obj) {
    kmem_cache_t* c = s->cache;
    const uintptr_t p = (uintptr_t)obj;
    if (p < s->first_object || (p - s->first_object) % c->object_size) goto bad;
    {
        const unsigned index = (unsigned)((p - s->first_object) / c->object_size);
        if (index >= c->objects_per_slab) goto bad;
        const uint8_t bit = (uint8_t)(1u << (index % 8));
        if (!(s->allocated[index / 8] & bit)) goto bad;  // double free
        s->allocated[index / 8] &= (uint8_t)~bit;
        slab_free_object_t* o = (slab_free_object_t*)obj;
        const int was_full = s->free_objects == 0;
        o->next = s->free_objects;
        s->free_objects = o;
        --s->in_use;
        ++c->stats.frees;
        if (was_full) {
            list_del(&c->full, s);
            list_add(&c->partial, s);
        }
        if (s->in_use == 0) {
            list_del(&c->partial, s);
            if (c->empty) slab_release(c, s);  // keep one empty slab to avoid thrashing
            else c->empty = s;
        }
        return 0;
    }
bad:
    ++c->stats.bad_frees;
    return -1;
}

int kmem_cache_free(kmem_cache_t* c, void* obj) {
    slab_t* s = slab_of(obj);
    if (!s || s->cache != c) {
        if (c) ++c->stats.bad_frees;
        return -1;
    }
    return slab_free_object(s, obj);
}

kmem_cache_t* kmem_cache_create(const char* name, size_t size) {
    if (size == 0 || size > SLAB_MAX_OBJECT) return 0;
    kmem_cache_t* c = (kmem_cache_t*)kmalloc(sizeof(kmem_cache_t));
    if (!c) return 0;
    cache_setup(c, name, size);
    c->next_cache = g_cache_descriptors;
    g_cache_descriptors = c;
    return c;
}

int kmem_cache_destroy(kmem_cache_t* c) {
    if (!c || c->partial || c->full) return -1;
    if (c->empty) slab_release(c, c->empty);
    c->empty = 0;
    kmem_cache_t** link = &g_cache_descriptors;
    while (*link && *link != c) link = &(*link)->next_cache;
    if (*link) *link = c->next_cache;
    return kfree(c);
}

size_t kmalloc_size_class(size_t size) {
    if (size == 0 || size > SLAB_MAX_OBJECT) return 0;
    size_t cls = SLAB_MIN_OBJECT;
    while (cls < size) cls <<= 1;
    return cls;
}

static int class_index(size_t size) {
    int i = 0;
    size_t cls = SLAB_MIN_OBJECT;
    while (cls < size) {
        cls <<= 1;
        ++i;
    }
    return i;
}

void* kmalloc(size_t size) {
    if (size == 0 || size > SLAB_MAX_OBJECT || !g_pages) return 0;
    return kmem_cache_alloc(&g_kmalloc[class_index(size)]);
}

int kfree(void* ptr) {
    if (!ptr) return 0;
    slab_t* s = slab_of(ptr);
    if (!s || s->cache < &g_kmalloc[0] || s->cache >= &g_kmalloc[KMALLOC_CLASSES]) return -1;
    return slab_free_object(s, ptr);
}

kmem_cache_t* kmalloc_cache(unsigned class_index) {
    return class_index < KMALLOC_CLASSES ? &g_kmalloc[class_index] : 0;
}
