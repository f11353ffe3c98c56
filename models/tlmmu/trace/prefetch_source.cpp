#include "prefetch_source.h"

#include <algorithm>
#include <cstring>

namespace tlmmu::trace::detail {

PrefetchSource::PrefetchSource(std::unique_ptr<ByteSource> inner, size_t block_bytes, unsigned blocks)
    : m_inner(std::move(inner)), m_blocks(std::max(blocks, 2u)) {
    for (Block& b : m_blocks) b.bytes.resize(block_bytes);
    m_thread = std::thread([this] { produce(); });
}

PrefetchSource::~PrefetchSource() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_changed.notify_all();
    m_thread.join();
}

// The background thread: fills free blocks until the data ends, fails, or
// the reader goes away. Each block is filled completely (or up to the end),
// so the reader sees the same byte stream whatever the block boundaries.
void PrefetchSource::produce() {
    const size_t count = m_blocks.size();
    for (;;) {
        Block* block;
        {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_changed.wait(lock, [&] { return m_stop || m_filled - m_read < count; });
            if (m_stop) return;
            block = &m_blocks[m_filled % count];
        }
        // Outside the lock: the reader never touches a block it has not been handed.
        block->size = 0;
        block->last = false;
        block->error = nullptr;
        try {
            while (block->size < block->bytes.size()) {
                const size_t got = m_inner->read(block->bytes.data() + block->size, block->bytes.size() - block->size);
                if (got == 0) {
                    block->last = true;
                    break;
                }
                block->size += got;
            }
        } catch (...) {
            block->error = std::current_exception();
            block->last = true;
        }
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            ++m_filled;
        }
        m_changed.notify_all();
        if (block->last) return;
    }
}

size_t PrefetchSource::read(uint8_t* dst, size_t n) {
    size_t copied = 0;
    while (copied < n) {
        if (!m_current) {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_changed.wait(lock, [&] { return m_filled > m_read; });
            m_current = &m_blocks[m_read % m_blocks.size()];
            m_pos = 0;
        }
        const Block& block = *m_current;
        const size_t take = std::min(n - copied, block.size - m_pos);
        std::memcpy(dst + copied, block.bytes.data() + m_pos, take);
        copied += take;
        m_pos += take;
        if (m_pos < block.size) break;  // the caller's buffer is full
        // The block is drained. The last one stays current: every later call
        // ends here again, with 0 bytes or the error.
        if (block.last) {
            if (block.error && copied == 0) std::rethrow_exception(block.error);
            break;  // bytes before a failure are delivered first
        }
        m_current = nullptr;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            ++m_read;
        }
        m_changed.notify_all();
    }
    return copied;
}

}  // namespace tlmmu::trace::detail
