#include "tlmmu/trace/record.h"

namespace tlmmu::trace {

const char* to_string(RecordKind kind) {
    switch (kind) {
        case RecordKind::fetch: return "fetch";
        case RecordKind::load: return "load";
        case RecordKind::store: return "store";
        case RecordKind::cr3_write: return "cr3_write";
        case RecordKind::invlpg: return "invlpg";
        case RecordKind::invpcid: return "invpcid";
        case RecordKind::context_switch: return "context_switch";
        case RecordKind::unmap: return "unmap";
        case RecordKind::protect: return "protect";
        case RecordKind::drop: return "drop";
    }
    return "?";
}

}  // namespace tlmmu::trace
