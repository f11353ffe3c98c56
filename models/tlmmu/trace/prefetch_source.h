// Internal: decompression on its own thread. A PrefetchSource runs another
// ByteSource (a decompressor) on a background thread that fills a few large
// blocks ahead of the reader, so that decompressing a trace overlaps decoding
// and replaying it on a second core. Errors from the inner source reach the
// reader at the point in the stream where they happened.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "byte_source.h"

namespace tlmmu::trace::detail {

class PrefetchSource : public ByteSource {
 public:
    // `blocks` buffers of `block_bytes` each circulate between the threads.
    explicit PrefetchSource(std::unique_ptr<ByteSource> inner, size_t block_bytes = size_t(1) << 20,
                            unsigned blocks = 4);
    ~PrefetchSource() override;
    PrefetchSource(const PrefetchSource&) = delete;
    PrefetchSource& operator=(const PrefetchSource&) = delete;

    size_t read(uint8_t* dst, size_t n) override;

 private:
    struct Block {
        std::vector<uint8_t> bytes;
        size_t size = 0;  // bytes filled; 0 with `last` marks the end of the data
        bool last = false;
        std::exception_ptr error;  // the inner source failed after `size` bytes
    };
    void produce();

    std::unique_ptr<ByteSource> m_inner;
    std::vector<Block> m_blocks;
    // Ring of blocks: the producer fills m_filled % n, the reader drains m_read % n.
    uint64_t m_filled = 0, m_read = 0;
    const Block* m_current = nullptr;  // the block being read (handed over by the producer)
    size_t m_pos = 0;                  // bytes of it already read
    bool m_stop = false;               // the reader is going away
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::thread m_thread;  // last: started once everything above exists
};

}  // namespace tlmmu::trace::detail
