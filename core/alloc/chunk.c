/*
 * chunk.c — the coalescing chunk heap: every byte of a region that is not its page table
 * belongs to exactly one chunk (invariant C1 in heap_internal.h). Requests above
 * RP_CFG_SMALL_MAX and every pool window come from here.
 *
 * Why boundary tags and TLSF-style bins: measured on workload W1, blocks of 65..512
 * bytes kept in per-class pools need 1.4x their peak live bytes, because each class
 * strands its own partly used pools; one coalescing heap shares that space among all
 * sizes. The bins give good fit in O(1): a bitmap names the non-empty lists, and any
 * chunk in a bin above the request's own is big enough.
 */
#include "heap_internal.h"

/* Free chunks carve_anew looks at, at most, for a pool window before it takes one from
 * the first chunk of a bin whose chunks always hold one. */
#define RP_POOL_SCAN_LIMIT 8u

#define RP_FREE_MIN ((uint32_t)((RP_CHUNK_TAG + sizeof(rp_links_t) + 4u + 7u) & ~7u))
_Static_assert(RP_FREE_MIN <= RP_CHUNK_MIN || sizeof(void *) > 4, "free chunk must fit the minimum chunk");

static inline uint32_t *tag_of_links(rp_links_t *l) { return (uint32_t *)((uintptr_t)l - RP_CHUNK_TAG); }
static inline rp_links_t *links_of(uint32_t *tag) { return (rp_links_t *)((uintptr_t)tag + RP_CHUNK_TAG); }
static inline uint32_t *next_tag(uint32_t *tag) { return (uint32_t *)((uintptr_t)tag + rp_tag_size(*tag)); }
static inline uint32_t *footer(uint32_t *tag, uint32_t size) { return (uint32_t *)((uintptr_t)tag + size - 4u); }

static inline uint32_t min_chunk(void) { return RP_FREE_MIN > RP_CHUNK_MIN ? RP_FREE_MIN : RP_CHUNK_MIN; }

static inline uint32_t chunk_for(uint32_t n)
{
    uint32_t s = (n + RP_CHUNK_TAG + 7u) & ~7u;
    return s < min_chunk() ? min_chunk() : s;
}

/* With s = floor(log2(size)) - 2, size >> s is 4..7: the power of two and the next two
 * bits. Sizes 16..2^RP_CFG_CHUNK_MAX_LOG2 - 8 give bins 0..RP_NBINS - 1. */
static inline uint32_t bin_shift(uint32_t size) { return 29u - (uint32_t)__builtin_clz(size); }

/* The bin of a size whose bin_shift is s. Two sizes with the same s share a bin iff they
 * agree shifted right by s: free's merges compare sizes so, without computing bins. */
static inline uint32_t bin_at(uint32_t size, uint32_t s) { return (size >> s) + RP_BIN_SUB * s - 12u; }

static inline uint32_t bin_of(uint32_t size)
{
    return bin_at(size, bin_shift(size));
}
_Static_assert(RP_CHUNK_MIN == 16u && RP_BIN_SUB == 4u, "bin_of's formula");

uint32_t rp_chunk_bin(uint32_t size)
{
    return bin_of(size);
}

/* The bin bitmap's bit b set and cleared (C4). With RP_PORT_BITBAND (rp_port.h) each is
 * one store to the bit's word in the SRAM bit-band alias, from rp_heap.bitband, instead
 * of a load, a mask built from b and a store of the bitmap word: about 6 instructions
 * fewer per update on the Cortex-M3, which made W1's largest free 105 rather than 118 (a
 * merge that empties two bins and fills one) and its largest chunk malloc 117 rather
 * than 126. The bitmap is still read as words (take, first_bin_from). slot_bit_clear
 * clears the bit of the bin whose slot is s, for a list step that knows the slot and not
 * the bin: the alias word is slot_band + s / 2 (C4), one add. */
#if RP_PORT_BITBAND
static inline volatile uint32_t *bit_alias(void) { return (volatile uint32_t *)rp_heap.bitband; }
static inline void bit_set(uint32_t b) { bit_alias()[b] = 1u; }
static inline void bit_clear(uint32_t b) { bit_alias()[b] = 0u; }
/* Bit b cleared by storing `even`, a value at hand whose bit 0 is clear (see below). */
static inline void bit_clear_by(uint32_t b, uint32_t even) { bit_alias()[b] = even; }
/* A store to an alias word writes bit 0 of the value: the slot's address, even, clears
 * the bit with no register loaded with 0 (one instruction fewer). */
static inline void slot_bit_clear(rp_links_t *s)
{
    *(volatile uint32_t *)(rp_heap.slot_band + ((uintptr_t)s >> 1)) = (uint32_t)(uintptr_t)s;
}
#else
static inline void bit_set(uint32_t b) { rp_heap.bitmap[b >> 5] |= 1u << (b & 31u); }
static inline void bit_clear(uint32_t b) { rp_heap.bitmap[b >> 5] &= ~(1u << (b & 31u)); }
static inline void bit_clear_by(uint32_t b, uint32_t even) { (void)even; bit_clear(b); }
static inline void slot_bit_clear(rp_links_t *s) { bit_clear((uint32_t)(s - rp_heap.bins)); }
#endif

/*
 * The list primitives (C4). free_bytes is kept by their callers, once per operation.
 * Each list is circular through its bin's slot, a two-word node in rp_heap.bins: a chunk
 * leaves its list with four memory operations and no test for a first or last chunk, and
 * the list it leaves is empty iff its next and prev were the same node (both the slot),
 * which is then the slot whose bit goes. (With NULL-ended lists and a one-word slot, the
 * emptying step needed a test for the end, then one that prev is a slot, then the bin
 * from the slot's offset.) The bitmap is written only when a list empties or fills.
 */
static inline rp_links_t *slot_of(uint32_t b) { return &rp_heap.bins[b]; }

/* The wilderness's node (C7): a free chunk whose links both name it is on no list. It is
 * shaped as a slot so that the list steps need no test for it: off_list taking the
 * wilderness off "its list" writes the node's own two links and clears its bit, RP_WILD,
 * which no search reads (free's merge into the wilderness, when it changes bin). */
static inline rp_links_t *wild(void) { return slot_of(RP_WILD); }

void rp_chunk_init(void)
{
    for (uint32_t b = 0; b <= RP_WILD; b++)
        rp_heap.bins[b].next = rp_heap.bins[b].prev = slot_of(b);
#if RP_PORT_BITBAND
    rp_heap.slot_band = rp_heap.bitband - ((uintptr_t)rp_heap.bins >> 1);
#endif
}

/* l onto bin b's list, at its front. `odd` is any value with bit 0 set that the caller
 * has at hand (free has the freed chunk's tag, USED set): the bit-band store writes bit 0
 * of what it stores, so that the bit is set with no register loaded with 1 (one
 * instruction fewer on free's longest path). */
static inline void link_odd(rp_links_t *l, uint32_t b, uint32_t odd)
{
    /* (the slot's address made once and its head read through it: GCC otherwise made
     * the slot's index twice from two forms of b in take, one instruction more) */
    rp_links_t *s = (rp_links_t *)rp_opaque((uintptr_t)slot_of(b)), *head = s->next;
    l->prev = s;
    l->next = head;
    head->prev = l;
    s->next = l;
#if RP_PORT_BITBAND
    bit_alias()[b] = odd;   /* one store, whether or not the list was empty: no test */
#else
    (void)odd;
    if (head == s)   /* the list was empty */
        bit_set(b);
#endif
}

static inline void link_at(rp_links_t *l, uint32_t b)
{
    link_odd(l, b, 1u);
}

/* l off bin b's list. */
static inline void unlink_from(rp_links_t *l, uint32_t b)
{
    rp_links_t *n = l->next, *p = l->prev;
    p->next = n;
    n->prev = p;
    if (n == p)   /* both the slot: it was the only one */
        bit_clear(b);
}

/* unlink_from for a caller that does not know l's bin (free's merges): the bit is the
 * slot's. (The emptying step laid out as the fall-through: the other path costs the same
 * one branch either way, and this one saves a branch back, on free's longest path.) */
static inline void off_list(rp_links_t *l)
{
    rp_links_t *n = l->next, *p = l->prev;
    p->next = n;
    n->prev = p;
    if (__builtin_expect(n == p, 1))
        slot_bit_clear(n);
}

/* m takes l's place on its list: a free chunk whose start moved, same bin (l's
 * neighbours, its bin's slot included, are reached through its links). */
static inline void relink(rp_links_t *l, rp_links_t *m)
{
    rp_links_t *n = l->next, *p = l->prev;
    m->next = n;
    m->prev = p;
    p->next = m;
    n->prev = m;
}

/* A free chunk on bin b changed size in place (its start kept): to its new bin. */
static inline void rebin(rp_links_t *l, uint32_t b, uint32_t size)
{
    uint32_t nb = bin_of(size);
    if (nb != b) {
        unlink_from(l, b);
        link_at(l, nb);
    }
}

/* First non-empty bin at or above b, or -1. At most RP_BITMAP_WORDS words read. */
static inline int first_bin_from(uint32_t b)
{
    if (b >= RP_NBINS)
        return -1;
    uint32_t w = b >> 5;
    uint32_t m = rp_heap.bitmap[w] & (~0u << (b & 31u));
    while (!m) {
        if (++w == RP_BITMAP_WORDS)
            return -1;
        m = rp_heap.bitmap[w];
    }
    return (int)(w * 32u + (uint32_t)__builtin_ctz(m));
}

/* First non-empty bin in the bitmap words after bin b's, or -1: first_bin_from written
 * out for a bitmap of up to three words (40 bins on microbit, 72 on mps2-an385), where
 * it is a test and a word for each word up (GCC's unrolled loop of first_bin_from took
 * 12 instructions to find a bin one word up, 18 two words up). */
static inline int first_bin_after_word(uint32_t b)
{
#if RP_BITMAP_WORDS == 1
    (void)b;
    return -1;
#elif RP_BITMAP_WORDS == 2
    uint32_t m = rp_heap.bitmap[1];
    if (b >= 32u || !m)
        return -1;
    return (int)(32u + (uint32_t)__builtin_ctz(m));
#elif RP_BITMAP_WORDS == 3
    uint32_t m;
    /* A request from word 0 (bins below 4 KiB: most chunk mallocs) tests its word, then
     * goes on to word 2 with no second test of b: the word-1 and word-2 searches share
     * one tail. The expectation lays word 0's case out in line, so that word 1's test is a
     * forward cbnz and word 2's is reached by falling through: 10 instructions two words
     * up where the two `b < 32`, `b < 64` tests took 11 (W1 at 3.5 MiB: largest malloc
     * 102 -> 101), and one word up 8 where they took 9 (1 MiB: 100 -> 99). */
    if (__builtin_expect(b < 32u, 1)) {
        if ((m = rp_heap.bitmap[1]) != 0)
            return (int)(32u + (uint32_t)__builtin_ctz(m));
    } else if (b >= 64u) {
        return -1;
    }
    if ((m = rp_heap.bitmap[2]) != 0)
        return (int)(64u + (uint32_t)__builtin_ctz(m));
    return -1;
#else
    return first_bin_from((b | 31u) + 1u);
#endif
}

/* Files [tag, tag + size) as a free chunk; the caller has merged neighbours and counted
 * its bytes. */
static inline void make_free(uint32_t *tag, uint32_t size, uint32_t prev_used)
{
    *tag = size | prev_used;
    *footer(tag, size) = size;
    link_at(links_of(tag), bin_of(size));
}

/* The footprint (chunk space not free) only grows when a chunk is carved or grown. Its
 * peak is kept as the lowest free_bytes (C6: chunk_bytes is fixed after rp_heap_init),
 * which lies next to free_bytes: one ldrd reads both, and no subtraction from chunk_bytes
 * is made per call (2 instructions fewer on every chunk malloc and carve). */
static inline void note_free(uint32_t free, uint32_t low)
{
    rp_heap.free_bytes = free;
    if (free < low)
        rp_heap.low_free = free;
}

static inline void note_peak(void)
{
    note_free(rp_heap.free_bytes, rp_heap.low_free);
}

/* A1: chunk.c keeps no count. Release builds count the live chunks when rp_heap_stats
 * walks them, as pool blocks are counted from their pools' `used` (the walk is there
 * anyway), so that no chunk operation carries two counters; debug builds count every
 * block in heap.c. */
static inline void account(int32_t bytes, int32_t blocks)
{
    (void)bytes;
    (void)blocks;
}

/* take's list step for l, the head of bin b (so l->prev is b's slot s): l off the list,
 * cheaper than unlink_from, which cannot know that l is the head. The bit is cleared by
 * storing s, even (one instruction fewer, as slot_bit_clear). */
static inline void pop_head(rp_links_t *l, rp_links_t *s, uint32_t b)
{
    rp_links_t *n = l->next;
    s->next = n;
    n->prev = s;
    /* A branch over the clearing step, laid out in line: not GCC's IT block, whose two
     * conditional instructions each malloc that leaves its list non-empty would execute
     * (W1's malloc mean), and no branch back from an emptying step placed out of line
     * (the longest malloc). */
    if (__builtin_expect(n == s, 1)) {
        __asm__ volatile("");
        bit_clear_by(b, (uint32_t)(uintptr_t)s);
    }
}


/* A rest smaller than this stays in the chunk taken rather than becoming a free chunk.
 * Such a rest (16 or 24 bytes) can serve no request that comes to the chunk heap (those
 * are above RP_CFG_SMALL_MAX, but for a small one that finds no pool in a tight heap)
 * until a neighbour is freed; left attached, it comes back with its chunk, and the
 * request costs no split. Measured on W1 (with the second look
 * in take): 32 saves about 4 instructions per chunk malloc for 0.7 % more heap than no
 * such rule (still less than without the second look); 48 and more need a larger heap. */
static inline uint32_t split_min(void) { return 2u * min_chunk(); }

/* The used chunk of `need` bytes cut from the end of the free chunk at tag (its tag t, of
 * `rest` + need bytes), which keeps its start, PREV_USED and links: returns its tag. */
static inline uint32_t *cut_end(uint32_t *tag, uint32_t t, uint32_t need, uint32_t rest)
{
    *tag = t - need;   /* rest, PREV_USED kept: need is a multiple of 8 */
    *footer(tag, rest) = rest;
    tag = (uint32_t *)((uintptr_t)tag + rest);
    *tag = need | RP_CHUNK_USED;   /* PREV_USED clear: the free part is before it */
    return tag;
}

/* Whether the chunk at the carve point ct (tag t) is the wilderness: free and off the
 * bins (C7). The USED test comes first: a used chunk's links are its payload. */
static inline int is_wild(const uint32_t *ct, uint32_t t)
{
    return !(t & RP_CHUNK_USED) && ((const rp_links_t *)((uintptr_t)ct + RP_CHUNK_TAG))->next == wild();
}

/*
 * take's last resort, when no bin holds a chunk known to fit: the end of the wilderness,
 * which the bins do not show (as dlmalloc's top chunk is kept apart). O(1): it is the
 * chunk at the carve point (C7). Cut from its end, it keeps its start and its links, so
 * no list step is made and its front stays the next pool's; a rest too small to split
 * goes with the chunk, which is then the used chunk at the carve point. Counts the
 * chunk's bytes (C6) and returns its tag, or 0.
 */
static inline uint32_t *take_wild(uint32_t need)
{
    uint32_t *ct = (uint32_t *)rp_heap.carve, t;
    if (!ct || !is_wild(ct, t = *ct) || t - RP_CHUNK_PREV_USED < need)
        return 0;
    uint32_t size = t - RP_CHUNK_PREV_USED, rest = size - need, *tag = ct;
    *(uint32_t *)((uintptr_t)ct + size) |= RP_CHUNK_PREV_USED;
    if (rest < split_min()) {
        *ct = t | RP_CHUNK_USED;
        need = size;
    } else {
        tag = cut_end(ct, t, need, rest);
    }
    note_free(rp_heap.free_bytes - need, rp_heap.low_free);
    return tag;
}

/*
 * A used chunk of at least `need` bytes, cut from the end of a free chunk so that the
 * free part keeps its place on its list (moved only if its size crosses into another
 * bin): O(1) good fit through the bitmap alone (the request's own bin's first chunk if
 * it is big enough, else the first chunk of the next non-empty bin above), with no search
 * of a list: a request that only a later chunk of its own bin would fit fails here. (A
 * second look, at the own bin's second chunk, cost about 2 instructions per W1 chunk
 * malloc for a 1 % smaller heap, and a scan of 8 more when no bin above had a chunk,
 * issue 17's heap-dependent search.) The chunk taken from is always its bin's head, so
 * its list steps need not test for a predecessor. When no bin holds a chunk known to fit,
 * the wilderness is the last resort (take_wild): the bins are preferred to it, as
 * dlmalloc prefers them to its top chunk. Counts the chunk's bytes (C6) and returns its
 * tag.
 */
static inline uint32_t *take(uint32_t need)
{
    uint32_t b = bin_of(need), t = 0;
    rp_links_t *s = slot_of(b), *l = s->next;
    if (l == s || rp_tag_size(t = *tag_of_links(l)) < need) {
        /* the bins above b in b's bitmap word, then the words after it */
        uint32_t m = rp_heap.bitmap[b >> 5] & (~1u << (b & 31u));
        if (m) {
            b = (b & ~31u) + (uint32_t)__builtin_ctz(m);
        } else {
            int g = first_bin_after_word(b);
            if (g < 0)   /* no bin holds a chunk known to fit: bitmap only, no list is searched */
                return take_wild(need);
            b = (uint32_t)g;
        }
        s = slot_of(b);
        l = s->next;
        t = *tag_of_links(l);
    }
    /* t is the free chunk's tag: its size and at most PREV_USED, kept from the read above
     * (the writes below cannot change it), so that the new tags need not read it again. */
    uint32_t *tag = tag_of_links(l), size = rp_tag_size(t), rest = size - need;
    *(uint32_t *)((uintptr_t)tag + size) |= RP_CHUNK_PREV_USED;
    /* the likelier case (68 % of W1's chunk mallocs), laid out as the fall-through */
    if (__builtin_expect(rest < split_min(), 1)) {
        pop_head(l, s, b);
        *tag = t | RP_CHUNK_USED;
        need = size;
    } else {
        uint32_t nb = bin_of(rest);
        if (nb != b) {
            pop_head(l, s, b);
            link_odd(l, nb, need | RP_CHUNK_USED);   /* the block's tag, odd, set below */
        }
        tag = cut_end(tag, t, need, rest);
    }
    /* C6, with free_bytes and low_free read together */
    uint32_t free = rp_heap.free_bytes, low = rp_heap.low_free;
    note_free(free - need, low);
    return tag;
}

/*
 * A chunk of payload >= n, for an n that needs no test: at most RP_CHUNK_MAX_REQUEST, and
 * at least a minimum chunk's payload, so that chunk_for's minimum never applies. The
 * critical section and take in one function: rp_malloc's chunk path (its gate bounded n,
 * above RP_CFG_SMALL_MAX) tail-calls it, one call in all, where a wrapper in heap.c cost
 * about 4 instructions more per W1 chunk malloc. On failure it tail-calls heap.c's
 * rp_malloc_chunk_slow, so that malloc_slow still finds the site of rp_malloc's caller
 * in lr; rp_chunk_alloc, for heap.c's own paths (already in the critical section, which
 * nests), sets chunk_inner to be given NULL instead. That call is given the request
 * rounded up to its chunk's payload (need - RP_CHUNK_TAG, as the pool path gives a block
 * size): n need not stay live across take, one instruction fewer on every chunk malloc.
 */
_Static_assert(RP_CFG_SMALL_MAX + 1u + RP_CHUNK_TAG >= RP_FREE_MIN && RP_CFG_SMALL_MAX + 1u + RP_CHUNK_TAG >= RP_CHUNK_MIN,
               "a request above RP_CFG_SMALL_MAX needs no minimum chunk");
__attribute__((noinline)) void *rp_chunk_malloc(uint32_t n)   /* take inline, once */
{
    rp_critical_t c = enter();
    uint32_t need = (n + RP_CHUNK_TAG + 7u) & ~7u;
    uint32_t *tag = take(need);
    leave(c);
    if (!tag)
        return rp_heap.chunk_inner ? 0 : rp_malloc_chunk_slow(need - RP_CHUNK_TAG);
    return links_of(tag);
}

void *rp_chunk_alloc(uint32_t n)
{
    if (n > RP_CHUNK_MAX_REQUEST)
        return 0;
    uint32_t least = min_chunk() - RP_CHUNK_TAG;   /* chunk_for(least) == chunk_for(n) for any smaller n */
    rp_heap.chunk_inner = 1u;
    void *p = rp_chunk_malloc(n < least ? least : n);
    rp_heap.chunk_inner = 0u;
    return p;
}

/* A free chunk at l grew in place from `old` bytes to `size` (its start kept): to its new
 * bin if it left its old one. With s = floor(log2(size)) - 2, a smaller size shares
 * size's bin iff it has the same bits from s up, so the old bin is computed only when
 * the chunk leaves it and must come off its list. */
static inline void rebin_grown(rp_links_t *l, uint32_t old, uint32_t size, uint32_t odd)
{
    uint32_t s = bin_shift(size);
    if ((old >> s) != (size >> s)) {
        off_list(l);
        link_odd(l, bin_at(size, s), odd);
    }
}

/*
 * Frees the used chunk at tag (its tag t, `size` bytes; nt its successor's tag, of value
 * n), merging it with free neighbours in place. A free neighbour's tag is its size with
 * PREV_USED set (C2, C3: the chunk before a free chunk is used), so neither is read for
 * flags. A free predecessor keeps its start, and its place on its list unless the merged
 * size leaves its bin (rebin_grown); a free successor merged into it just leaves its list.
 * The merged chunk does not take the successor's place instead: a list's order decides
 * which chunk later requests are cut from (on W1 that raised the smallest heap by 424
 * bytes). With no free predecessor, a free successor's place on its list passes to this
 * chunk unless the bin changes. A tag merged into its predecessor is left with USED clear:
 * rp_chunk_valid's double-free rule reads it. Inline in rp_chunk_free_checked (free's
 * path, which has t and n loaded already); give_back for the other callers. t, a used
 * chunk's tag, is odd: link_odd stores it to set a bin's bit.
 */
static inline __attribute__((always_inline)) void release(uint32_t *tag, uint32_t t, uint32_t size,
                                                          uint32_t *nt, uint32_t n)
{
    rp_heap.free_bytes += size;
    if (t & RP_CHUNK_PREV_USED) {
        if (n & RP_CHUNK_USED) {
            *nt = n & ~(uint32_t)RP_CHUNK_PREV_USED;
            make_free(tag, size, RP_CHUNK_PREV_USED);
            return;
        }
        uint32_t nsize = n - RP_CHUNK_PREV_USED, total = size + nsize;
        uint32_t s = bin_shift(total);
        if ((nsize >> s) == (total >> s)) {   /* the same bin (as in rebin_grown) */
            relink(links_of(nt), links_of(tag));
        } else {
            off_list(links_of(nt));
            link_odd(links_of(tag), bin_at(total, s), t);
        }
        *tag = total | RP_CHUNK_PREV_USED;
        *footer(tag, total) = total;
        return;
    }
    uint32_t psize = tag[-1], total = psize + size;
    uint32_t *pt = (uint32_t *)((uintptr_t)tag - psize);
    *tag = size;   /* USED clear, so that a double free of it is still caught */
    if (n & RP_CHUNK_USED) {
        *nt = n & ~(uint32_t)RP_CHUNK_PREV_USED;
    } else {
        total += n - RP_CHUNK_PREV_USED;
        off_list(links_of(nt));
    }
    rebin_grown(links_of(pt), psize, total, t);
    *pt = total | RP_CHUNK_PREV_USED;
    *footer(pt, total) = total;
}

static void give_back(uint32_t *tag, uint32_t size)
{
    uint32_t *nt = (uint32_t *)((uintptr_t)tag + size);
    release(tag, *tag, size, nt, *nt);
}

void rp_chunk_free(void *payload)
{
    uint32_t *tag = rp_tag_of(payload), size = rp_tag_size(*tag);
    account(-(int32_t)(size - RP_CHUNK_TAG), -1);
    give_back(tag, size);
}

/* The O(1) rules of a pointer into region r's chunk space that the page map does not
 * name a pool: reports the broken one and returns 0. */
int rp_chunk_valid(const rp_heap_region_t *r, const void *raw)
{
    uintptr_t a = (uintptr_t)raw;
    if (a & 7u) {
        rp_report("misaligned pointer: not a block start", raw);
        return 0;
    }
    if (a < r->lo + RP_CHUNK_TAG) {
        rp_report("foreign pointer: inside the heap's page map", raw);
        return 0;
    }
    uint32_t tag = *rp_tag_of(raw), size = rp_tag_size(tag);
    if (!(tag & RP_CHUNK_USED)) {
        rp_report("double free (or interior pointer): the chunk is free", raw);
        return 0;
    }
    /* The size is the caller's data when raw is an interior pointer: compare it with the
     * room left rather than add it to the address, which wraps on 32-bit targets. */
    if ((tag & RP_CHUNK_POOL) || size < RP_CHUNK_MIN || size > r->end - (a - RP_CHUNK_TAG) ||
        !(*(const uint32_t *)(a - RP_CHUNK_TAG + size) & RP_CHUNK_PREV_USED)) {
        rp_report("corrupted chunk tag or interior pointer", raw);
        return 0;
    }
    return 1;
}

/* rp_free's release path for a pointer of region r (a - r->lo < r->span) whose page is
 * no pool: rp_chunk_valid's rules as two tests (that region check makes its page-map rule
 * hold already; the second reads the successor's tag, which the free uses), which report
 * through rp_chunk_valid when one fails; then the free. */
void rp_chunk_free_checked(const rp_heap_region_t *r, void *p)
{
    uintptr_t a = (uintptr_t)p;
#if !defined(__ARM_FEATURE_UNALIGNED)
    /* Where an unaligned load may fault (ARMv6-M), the alignment is tested before the tag
     * in front of p is read; where it cannot, the one compare below tests both. */
    if (a & 7u) {
        rp_chunk_valid(r, p);
        return;
    }
#endif
    uint32_t *tag = rp_tag_of(p), t = *tag, size = rp_tag_size(t);
    /* The alignment and the flags in one compare: a's low three bits moved to the top of
     * the flags USED and POOL (one instruction fewer than two tests). */
    if (((t & (RP_CHUNK_USED | RP_CHUNK_POOL)) | (uint32_t)a << 29) != RP_CHUNK_USED || size < RP_CHUNK_MIN ||
        size > r->end - (uintptr_t)tag) {
        rp_chunk_valid(r, p);
        return;
    }
    uint32_t *nt = (uint32_t *)((uintptr_t)tag + size), n = *nt;
    if (!(n & RP_CHUNK_PREV_USED)) {
        rp_chunk_valid(r, p);
        return;
    }
    account(-(int32_t)(size - RP_CHUNK_TAG), -1);
    release(tag, t, size, nt, n);
}

/* The pool window a free chunk can hold, or 0: P-aligned, tag just before it, and any
 * part of the chunk left in front big enough to stay a chunk. */
static uintptr_t window_in(uint32_t *tag)
{
    uintptr_t start = (uintptr_t)tag, limit = start + rp_tag_size(*tag);
    uintptr_t w = (start + RP_CHUNK_TAG + RP_CFG_POOL_SIZE - 1u) & ~(uintptr_t)(RP_CFG_POOL_SIZE - 1u);
    uintptr_t front = w - RP_CHUNK_TAG - start;
    if (front != 0 && front < min_chunk())
        w += RP_CFG_POOL_SIZE;
    return w - RP_CHUNK_TAG + RP_POOL_CHUNK <= limit ? w : 0;
}

/*
 * A pool window in O(1), with no search whose length depends on the heap. The common
 * case is the carve point (C7): the free chunk right after the last pool carved, whose
 * payload starts a window; the pool takes its front and the free part behind it, the
 * wilderness, stays off the bins, so that pools gather at the bottom of the free space
 * while take cuts chunks from the top of theirs. When that chunk is used or too small,
 * carve_anew looks at up to RP_POOL_SCAN_LIMIT chunks of the bins that may or may not
 * hold a window, smaller first so that pools fill holes, then at the first chunk of a
 * bin whose chunks always do (size >= 2P + minimum chunk): a bounded look, whatever the
 * heap's size (with two chunks only, W1-M0 on microbit needed a heap larger than 16 KiB,
 * against 16,192 bytes so). The part behind the window it takes is the new carve point.
 */
static __attribute__((noinline)) void *carve_anew(void);

/* Whether the chunk at the carve point (tag t) is free and holds a pool and a minimum
 * chunk behind it. C7: the chunk before it is a pool, so a free chunk there has
 * PREV_USED and no other flag: its size is t less that flag. */
static inline int carve_fits(uint32_t t)
{
    return !(t & RP_CHUNK_USED) && t - RP_CHUNK_PREV_USED >= RP_POOL_CHUNK + min_chunk();
}

/* The pool window carved from the front of the free chunk at the carve point ct (tag t,
 * carve_fits): the free part behind it is the wilderness, off the bins (C7), so that the
 * cut makes no list step (where the rest stayed on the bins, one pool in every bin width
 * / P moved it to the bin below: W1's longest malloc at 256 KiB, 109 instructions; a
 * move between lists costs at least 14). A chunk at the carve point that is on its bin
 * (a merge moved it there, or carve_anew cut it) leaves it, once. */
static inline void *carve_at(uint32_t *ct, uint32_t t)
{
    uint32_t rest = t - RP_CHUNK_PREV_USED - RP_POOL_CHUNK;
    uint32_t *rt = (uint32_t *)((uintptr_t)ct + RP_POOL_CHUNK);
    rp_links_t *l = links_of(ct), *m = links_of(rt), *w = wild();
    if (__builtin_expect(l->next != w, 0))
        off_list(l);
    m->next = w;
    m->prev = w;
    *rt = rest | RP_CHUNK_PREV_USED;
    *footer(rt, rest) = rest;
    *ct = RP_POOL_CHUNK | RP_CHUNK_USED | RP_CHUNK_POOL | RP_CHUNK_PREV_USED;
    rp_heap.carve = (uintptr_t)rt;
    note_free(rp_heap.free_bytes - RP_POOL_CHUNK, rp_heap.low_free);
    return links_of(ct);
}

/* rp_pool_start of the pool whose window is w, in region r. */
static inline void *pool_start_at(void *w, const rp_heap_region_t *r, unsigned cls)
{
    rp_pool_t *pg = (rp_pool_t *)((uintptr_t)w + RP_POOL_HDR_OFF);
    return rp_pool_start(pg, rp_map_of(r, (uintptr_t)pg), cls);
}

/*
 * A new pool of class cls, its first block handed out (rp_pool_start), for rp_pool_alloc
 * when no spare is left: the carve point's case and the pool's threading in one
 * function, called from malloc's miss directly (through rp_pool_alloc_new and a
 * separate rp_chunk_alloc_pool, malloc's longest usual call took 9 instructions more).
 * The carve point lies in the first region (C7), so its page map byte is found with no
 * region lookup.
 */
static inline __attribute__((always_inline)) void *pool_new(unsigned cls)
{
    uint32_t *ct = (uint32_t *)rp_heap.carve;
    uint32_t t;
    if (ct && carve_fits(t = *ct))
        return pool_start_at(carve_at(ct, t), &rp_heap.regions[0], cls);
    void *w = carve_anew();
    if (!w)
        return 0;
    /* the first region tested first, without rp_region_of's loop (5 instructions where
     * the loop's first pass took 11, as compiled; not on W1's longest path) */
    const rp_heap_region_t *r = &rp_heap.regions[0];
    if ((uintptr_t)w - r->lo >= r->span)
        r = rp_region_of((uintptr_t)w);
    return pool_start_at(w, r, cls);
}

void *rp_chunk_pool_new(unsigned cls)
{
    return pool_new(cls);
}

/*
 * rp_malloc's pool path missed (the class has no pool with room, or the next block was
 * never used), tail-called in rp_malloc's critical section (t), which it leaves: the
 * block straight from pool.c (a spare's, rp_pool_alloc_new never fails), a new pool's
 * first one, or on failure heap.c's rp_malloc_pool_slow, tail-called so that lr still
 * holds the site of rp_malloc's caller (it releases the spares, calls the OOM handler,
 * counts the failure). Tracing is off here (G1), so the block needs no record. The class
 * comes as 8 * cls (off), as the fast path had it, so that the fast path keeps neither n
 * nor the class live. In chunk.c, with the carve inline: where heap.c's malloc_miss
 * called rp_chunk_pool_new and returned through its own frame, W1's new pool from the
 * carve point took 106 instructions rather than 97 (docs/allocator.md).
 */
void *rp_chunk_pool_miss(uintptr_t off, rp_critical_t t)
{
    unsigned cls = (unsigned)(off >> 3);
    void *b;
    if (rp_heap.classes[cls].head->free)   /* never-used blocks: unveiled */
        b = rp_pool_alloc(cls);
    else
        b = rp_heap.spare ? rp_pool_alloc_new(cls) : pool_new(cls);
    leave(t);
    return b ? b : rp_malloc_pool_slow(cls);
}

/* A wilderness onto its bin's list, before the carve point changes (C7). */
static void wild_to_bin(void)
{
    uint32_t *ct = (uint32_t *)rp_heap.carve;
    if (ct && is_wild(ct, *ct))
        link_at(links_of(ct), bin_of(rp_tag_size(*ct)));
}

static __attribute__((noinline)) void *carve_anew(void)   /* off malloc's usual path */
{
    /* The wilderness, too small for a pool, becomes a chunk like any (C7), at the top, so
     * that take finds it on its bin even when no window is found and the carve point
     * stays: on microbit's 8 KiB W1-M0, where most pool requests fail, 6,299 requests
     * failed so, 6,494 with the call placed where a window is found (and 6,331 before the
     * wilderness). (Inline, that run's malloc mean fell from 138.87 to 137.02 at
     * -O2, for 108 bytes of code; not at -Os, where GCC keeps one copy.) */
    wild_to_bin();
    uint32_t sure = bin_of(RP_POOL_CHUNK + RP_CFG_POOL_SIZE + min_chunk()) + 1u;
    unsigned budget = RP_POOL_SCAN_LIMIT;
    uintptr_t w;
    rp_links_t *l;
    /* (A window found leaves both loops at once: in the for loop's condition it was
     * tested after first_bin_from had searched the bitmap once more, 14 instructions as
     * compiled; not on W1's longest path.) */
    int g = first_bin_from(bin_of(RP_POOL_CHUNK));
    for (; g >= 0 && (uint32_t)g < sure; g = first_bin_from((uint32_t)g + 1u)) {
        rp_links_t *s = slot_of((uint32_t)g);
        for (l = s->next; l != s; l = l->next) {
            if ((w = window_in(tag_of_links(l))) != 0)
                goto found;
            if (!--budget) {   /* the scan's budget ran out first */
                g = first_bin_from(sure);
                goto sure_bin;
            }
        }
    }
sure_bin:
    if (g < 0)
        return 0;
    l = rp_heap.bins[g].next;
    w = window_in(tag_of_links(l));
found:;
    uint32_t b = (uint32_t)g;
    uint32_t *tag = tag_of_links(l), size = rp_tag_size(*tag);
    uintptr_t start = (uintptr_t)tag, limit = start + size, use = w - RP_CHUNK_TAG;
    uint32_t front = (uint32_t)(use - start), rest = (uint32_t)(limit - use - RP_POOL_CHUNK), n = RP_POOL_CHUNK;
    uint32_t prev_used = *tag & RP_CHUNK_PREV_USED;
    if (rest < min_chunk()) {
        n += rest;
        rest = 0;
        *(uint32_t *)limit |= RP_CHUNK_PREV_USED;
    }
    if (front) {   /* the free part in front keeps its start */
        rebin(l, b, front);
        *tag = front | prev_used;
        *footer(tag, front) = front;
        prev_used = 0;
    }
    rp_heap.carve = 0;
    if (rest) {   /* the part behind: in l's place if the front took none and bins agree */
        uint32_t *rt = (uint32_t *)(use + n), rb = bin_of(rest);
        *rt = rest | RP_CHUNK_PREV_USED;
        *footer(rt, rest) = rest;
        if (front)
            link_at(links_of(rt), rb);
        else if (rb == b)
            relink(l, links_of(rt));
        else {
            unlink_from(l, b);
            link_at(links_of(rt), rb);
        }
        if ((uintptr_t)rt - rp_heap.regions[0].lo < rp_heap.regions[0].span)
            rp_heap.carve = (uintptr_t)rt;   /* C7: a pool of exactly P bytes before it */
    } else if (!front) {
        unlink_from(l, b);
    }
    *(uint32_t *)use = n | RP_CHUNK_USED | RP_CHUNK_POOL | prev_used;
    note_free(rp_heap.free_bytes - n, rp_heap.low_free);
    return (void *)w;
}

void rp_chunk_free_pool(void *window)
{
    uint32_t *tag = rp_tag_of(window);
    if ((uintptr_t)tag + rp_tag_size(*tag) == rp_heap.carve) {   /* C7: the chunk at carve may merge into it */
        wild_to_bin();
        rp_heap.carve = 0;
    }
    *tag &= ~(uint32_t)RP_CHUNK_POOL;
    give_back(tag, rp_tag_size(*tag));
}

uint32_t rp_chunk_payload(const void *payload)
{
    return rp_tag_size(*rp_tag_of(payload)) - RP_CHUNK_TAG;
}

/* Grows into a free successor or gives back a tail, never moving the payload. */
int rp_chunk_resize(void *payload, uint32_t n)
{
    if (n > RP_CHUNK_MAX_REQUEST)
        return 0;
    uint32_t *tag = rp_tag_of(payload);
    uint32_t size = rp_tag_size(*tag), need = chunk_for(n), old = size;
    uint32_t *nt = next_tag(tag);
    if (need > size) {
        if ((*nt & RP_CHUNK_USED) || size + rp_tag_size(*nt) < need)
            return 0;
        uint32_t nsize = rp_tag_size(*nt);
        unlink_from(links_of(nt), bin_of(nsize));
        rp_heap.free_bytes -= nsize;
        size += nsize;
        *tag = (*tag & RP_CHUNK_FLAGS) | size;
        nt = next_tag(tag);
        *nt |= RP_CHUNK_PREV_USED;
    }
    uint32_t rest = size - need;
    if (rest >= min_chunk()) {   /* the tail goes back, merged with a free successor */
        *tag = (*tag & RP_CHUNK_FLAGS) | need;
        uint32_t *ft = (uint32_t *)((uintptr_t)tag + need);
        *ft = rest | RP_CHUNK_USED | RP_CHUNK_PREV_USED;
        give_back(ft, rest);
        size = need;
    }
    account((int32_t)(size - old), 0);
    note_peak();
    return 1;
}

void rp_chunk_region_init(rp_heap_region_t *r)
{
    uint32_t *first = (uint32_t *)r->lo;
    *(uint32_t *)r->end = RP_CHUNK_USED;  /* sentinel: size 0, never free */
    make_free(first, (uint32_t)(r->end - r->lo), RP_CHUNK_PREV_USED);
    rp_heap.chunk_bytes += (uint32_t)(r->end - r->lo);
    rp_heap.free_bytes += (uint32_t)(r->end - r->lo);
    rp_heap.low_free = rp_heap.free_bytes;
}

static rp_fault_t fault(const char *rule, const void *addr)
{
    rp_fault_t f;
    f.rule = rule;
    f.addr = addr;
    return f;
}

/* C1..C7 for every region, then the lists against the walk (C4). */
rp_fault_t rp_chunk_check(void)
{
    uint32_t walked_free = 0, listed_free = 0, free_bytes = 0;
    int carve_found = rp_heap.carve == 0;
    const rp_links_t *w = wild();
    if (w->next != w || w->prev != w || ((rp_heap.bitmap[RP_WILD >> 5] >> (RP_WILD & 31u)) & 1u))
        return fault("the wilderness's node is on a list or has its bit set (C4, C7)", w);
    for (unsigned i = 0; i < rp_heap.nregions; i++) {
        const rp_heap_region_t *r = &rp_heap.regions[i];
        uint32_t *t = (uint32_t *)r->lo, *before = 0;
        uint32_t prev_used = RP_CHUNK_PREV_USED;
        while ((uintptr_t)t < r->end) {
            uint32_t size = rp_tag_size(*t);
            if ((uintptr_t)t == rp_heap.carve) {
                if (i != 0)
                    return fault("the carve point lies outside the first region (C7)", t);
                if (((uintptr_t)t + RP_CHUNK_TAG) & (RP_CFG_POOL_SIZE - 1u) ||
                    (before && ((*before & (RP_CHUNK_USED | RP_CHUNK_POOL)) != (RP_CHUNK_USED | RP_CHUNK_POOL) ||
                               rp_tag_size(*before) != RP_POOL_CHUNK)))
                    return fault("the carve point starts no window or does not follow a pool chunk (C7)", t);
                carve_found = 1;
            }
            before = t;
            if (size < min_chunk() || (uintptr_t)t + size > r->end)
                return fault("chunk size out of range (corrupted tag)", t);
            if ((*t & RP_CHUNK_PREV_USED) != prev_used)
                return fault("chunk PREV_USED flag disagrees with the chunk before it", t);
            if (*t & RP_CHUNK_USED) {
                prev_used = RP_CHUNK_PREV_USED;
            } else {
                if (!prev_used)
                    return fault("two adjacent free chunks (missed coalescing)", t);
                if (*t & RP_CHUNK_POOL)
                    return fault("free chunk marked as pool", t);
                if (*footer(t, size) != size)
                    return fault("free chunk footer differs from its size", t);
                const rp_links_t *fl = links_of(t);
                if (fl->next == w || fl->prev == w) {   /* off the bins: counted as listed */
                    if ((uintptr_t)t != rp_heap.carve || fl->next != fl->prev)
                        return fault("a free chunk off the bins is not the wilderness at the carve point (C7)", t);
                    listed_free++;
                }
                walked_free++;
                free_bytes += size;
                prev_used = 0;
            }
            t = (uint32_t *)((uintptr_t)t + size);
        }
        if ((uintptr_t)t != r->end)
            return fault("chunks overrun the region end", t);
        if ((*t & ~(uint32_t)RP_CHUNK_PREV_USED) != RP_CHUNK_USED || (*t & RP_CHUNK_PREV_USED) != prev_used)
            return fault("region sentinel tag corrupted", t);
    }
#if RP_PORT_BITBAND
    if (rp_heap.bitband != RP_BITBAND_ALIAS + (((uintptr_t)rp_heap.bitmap - RP_BITBAND_SRAM) << 5))
        return fault("the bitmap's bit-band alias is not its own (C4)", &rp_heap.bitband);
#endif
#if RP_PORT_BITBAND
    if (rp_heap.slot_band != rp_heap.bitband - ((uintptr_t)rp_heap.bins >> 1))
        return fault("the slots' bit-band base is not the bitmap's (C4)", &rp_heap.slot_band);
#endif
    for (uint32_t b = 0; b < RP_NBINS; b++) {
        rp_links_t *s = slot_of(b), *l = s->next, *prev = s;
        int bit = (rp_heap.bitmap[b >> 5] >> (b & 31u)) & 1u;
        if (bit != (l != s))
            return fault("bin bitmap bit disagrees with its list", s);
        for (; l != s; prev = l, l = l->next) {
            uint32_t *t = tag_of_links(l);
            if (!rp_region_of((uintptr_t)t))
                return fault("free list points outside the heap", l);
            if ((*t & RP_CHUNK_USED) || rp_chunk_bin(rp_tag_size(*t)) != b)
                return fault("free list holds a used chunk or one of another bin", t);
            if (l->prev != prev)
                return fault("free list back link broken", t);
            if (++listed_free > walked_free)
                return fault("free lists hold more chunks than the heap (cycle or stale entry)", t);
        }
        if (s->prev != prev)
            return fault("free list's slot does not name its last chunk (C4)", s);
    }
    if (!carve_found)
        return fault("the carve point is no chunk's start (C7)", (const void *)rp_heap.carve);
    if (listed_free != walked_free)
        return fault("a free chunk is missing from the free lists", 0);
    if (free_bytes != rp_heap.free_bytes)
        return fault("free byte count disagrees with the free chunks (C6)", &rp_heap.free_bytes);
    return fault(0, 0);
}
