// Types and operation codes shared by the TLB and paging-structure-cache blocks.
// The operation codes name the architectural events of SDM 4.10.4 so that each
// block decodes, in hardware, which of its entries an event invalidates; the
// decode follows the C++ model (models/tlmmu/core/mmu.cpp, docs/semantics.md).
package tlmmu_pkg;
  // Not every block uses every constant (waiver documented in docs/rtl.md).
  /* verilator lint_off UNUSEDPARAM */

  localparam int VA_BITS   = 57;  // linear address bits kept (LA57); 4-level users drive 56:48 = 0
  localparam int PA_BITS   = 52;  // physical address bits
  localparam int PCID_BITS = 12;
  localparam int PKEY_BITS = 4;

  // Request operation (req_op). One request per clock cycle.
  localparam logic [3:0] OP_NONE              = 4'd0;
  localparam logic [3:0] OP_LOOKUP            = 4'd1;   // translate req_vaddr for req_pcid
  localparam logic [3:0] OP_FILL              = 4'd2;   // write the entry described by req_fill_*
  localparam logic [3:0] OP_INVLPG            = 4'd3;   // page of req_vaddr: req_pcid non-global + global of any PCID
  localparam logic [3:0] OP_INVPCID_ADDR      = 4'd4;   // INVPCID type 0: page of req_vaddr, req_pcid, non-global
  localparam logic [3:0] OP_INVPCID_SINGLE    = 4'd5;   // INVPCID type 1: all non-global of req_pcid
  localparam logic [3:0] OP_INVPCID_ALL       = 4'd6;   // INVPCID type 2: everything, global included
  localparam logic [3:0] OP_INVPCID_NONGLOBAL = 4'd7;   // INVPCID type 3: all non-global, any PCID
  localparam logic [3:0] OP_MOV_CR3           = 4'd8;   // req_pcid = new PCID (0 when CR4.PCIDE=0), req_noflush
  localparam logic [3:0] OP_MOV_CR4           = 4'd9;   // req_cr4_old/new, req_pcid = PCID before the write
  localparam logic [3:0] OP_PAGE_FAULT        = 4'd10;  // #PF on req_vaddr with req_pcid current

  // Page sizes (req_fill_size, rsp_size): the model's PageSize encoding.
  localparam logic [1:0] SIZE_4K = 2'd0;
  localparam logic [1:0] SIZE_2M = 2'd1;
  localparam logic [1:0] SIZE_1G = 2'd2;

  // Rights combined over the paging levels: {nx, user, writable}.
  typedef struct packed {
    logic nx;        // OR of XD
    logic user;      // AND of U/S
    logic writable;  // AND of R/W
  } rights_t;

  // The CR4 bits whose change invalidates cached translations: {smep, pcide, pge, pae}.
  typedef struct packed {
    logic smep;
    logic pcide;
    logic pge;
    logic pae;
  } cr4_bits_t;

  // Replacement policies (parameter POLICY).
  localparam int POLICY_LRU  = 0;  // true LRU (age ranks per set)
  localparam int POLICY_PLRU = 1;  // tree pseudo-LRU, the model's bit layout

  // What a MOV CR4 invalidates (mmu.cpp write_cr4): everything when PGE changes
  // or PCIDE goes 1 -> 0; else the old PCID's entries, global ones too, when
  // PAE changes or SMEP goes 0 -> 1; else nothing.
  typedef struct packed {
    logic all;
    logic pcid;
  } cr4_flush_t;
  function automatic cr4_flush_t cr4_flush(cr4_bits_t old_bits, cr4_bits_t new_bits);
    cr4_flush_t f;
    f.all  = (old_bits.pge != new_bits.pge) || (old_bits.pcide && !new_bits.pcide);
    f.pcid = !f.all && ((old_bits.pae != new_bits.pae) || (!old_bits.smep && new_bits.smep));
    return f;
  endfunction
  /* verilator lint_on UNUSEDPARAM */
endpackage
