// PCID-tagged TLB: set-associative arrays holding 4 KiB, 2 MiB and 1 GiB
// entries, the organisations of the model's TlbLevel (docs/rtl.md). The main
// array (ENTRIES, WAYS) holds 4K pages and every size that has no array of
// its own; ENTRIES_2M / ENTRIES_1G > 0 give 2M / 1G pages a separate array.
// One request per clock cycle, response registered: the result of the
// request accepted at a rising edge is on rsp_* after it.
//
// Lookup probes every array for each size it holds (set = VPN at that size
// mod its sets) in 4K, 2M, 1G order, ways in ascending order; the first valid
// entry with the same VPN and size that is global or of req_pcid hits and
// becomes most recently used. A fill goes to the array holding its size and
// overwrites an entry the lookup could return for the same page (never a
// twin), else the first invalid way, else the replacement victim.
// Invalidations decode the architectural event (tlmmu_pkg OP_*).
module tlb #(
    parameter int ENTRIES    = 64,
    parameter int WAYS       = 4,   // ENTRIES = WAYS: fully associative
    parameter int ENTRIES_2M = 0,   // 0: 2M pages live in the main array
    parameter int WAYS_2M    = 4,
    parameter int ENTRIES_1G = 0,   // 0: 1G pages live in the main array
    parameter int WAYS_1G    = 4,
    parameter int POLICY     = tlmmu_pkg::POLICY_PLRU,
    localparam int CNT_W     = $clog2(ENTRIES + ENTRIES_2M + ENTRIES_1G + 1)
) (
    input  logic                                clk,
    input  logic                                rst,            // synchronous, empties the TLB
    // Request
    input  logic                                req_valid,
    input  logic [3:0]                          req_op,         // tlmmu_pkg::OP_*
    input  logic [tlmmu_pkg::VA_BITS-1:0]       req_vaddr,
    input  logic [tlmmu_pkg::PCID_BITS-1:0]     req_pcid,
    input  logic                                req_noflush,    // MOV CR3 with CR4.PCIDE=1 and bit 63 set
    input  tlmmu_pkg::cr4_bits_t                req_cr4_old,    // MOV CR4
    input  tlmmu_pkg::cr4_bits_t                req_cr4_new,
    input  logic [tlmmu_pkg::PA_BITS-13:0]      req_fill_pfn,   // page base >> 12
    input  logic [1:0]                          req_fill_size,
    input  logic                                req_fill_global,
    input  logic                                req_fill_dirty,
    input  tlmmu_pkg::rights_t                  req_fill_rights,
    input  logic [tlmmu_pkg::PKEY_BITS-1:0]     req_fill_pkey,
    // Response
    output logic                                rsp_valid,
    output logic                                rsp_hit,        // lookup hit
    output logic [tlmmu_pkg::PA_BITS-1:0]       rsp_paddr,
    output logic [1:0]                          rsp_size,
    output logic                                rsp_global,
    output logic                                rsp_dirty,
    output tlmmu_pkg::rights_t                  rsp_rights,
    output logic [tlmmu_pkg::PKEY_BITS-1:0]     rsp_pkey,
    output logic                                rsp_evicted,    // fill replaced a valid entry of another page
    output logic [CNT_W-1:0]                    rsp_dropped     // entries an invalidation removed
);
  import tlmmu_pkg::*;

  localparam int VPN_W   = VA_BITS - 12;
  localparam int FRAME_W = PA_BITS - 12;
  // Sizes held by the main array; arrays 1 and 2 hold 2M and 1G when present.
  localparam logic [2:0] MAIN_SIZES = {ENTRIES_1G == 0, ENTRIES_2M == 0, 1'b1};
  localparam int ARRAYS = 3;

  wire is_lookup = req_valid && req_op == OP_LOOKUP;
  wire is_fill   = req_valid && req_op == OP_FILL;
  wire [VPN_W-1:0] req_vpn = req_vaddr[VA_BITS-1:12];

  // ---------------------------------------------------------- invalidation
  cr4_flush_t cr4;
  assign cr4 = cr4_flush(req_cr4_old, req_cr4_new);
  logic kill_all, kill_nonglobal, kill_pcid_nonglobal, kill_pcid_any, kill_page_nonglobal, kill_page_global;
  always_comb begin
    kill_all = 1'b0;
    kill_nonglobal = 1'b0;
    kill_pcid_nonglobal = 1'b0;
    kill_pcid_any = 1'b0;
    kill_page_nonglobal = 1'b0;
    kill_page_global = 1'b0;
    if (req_valid) begin
      case (req_op)
        OP_INVLPG, OP_PAGE_FAULT: begin
          kill_page_nonglobal = 1'b1;
          kill_page_global = 1'b1;
        end
        OP_INVPCID_ADDR:      kill_page_nonglobal = 1'b1;
        OP_INVPCID_SINGLE:    kill_pcid_nonglobal = 1'b1;
        OP_INVPCID_ALL:       kill_all = 1'b1;
`ifdef PLANT_FAULT_INVPCID3_GLOBAL
        OP_INVPCID_NONGLOBAL: kill_all = 1'b1;  // planted fault: global entries go too
`else
        OP_INVPCID_NONGLOBAL: kill_nonglobal = 1'b1;
`endif
        OP_MOV_CR3:           kill_pcid_nonglobal = !req_noflush;
        OP_MOV_CR4: begin
          kill_all = cr4.all;
          kill_pcid_any = cr4.pcid;
        end
        default: ;  // OP_NONE, OP_LOOKUP, OP_FILL
      endcase
    end
  end

  // ---------------------------------------------------------------- arrays
  logic [2:0]           a_hit     [ARRAYS];
  logic [FRAME_W-1:0]   a_frame   [ARRAYS][3];
  logic [2:0]           a_global  [ARRAYS];
  logic [2:0]           a_dirty   [ARRAYS];
  rights_t              a_rights  [ARRAYS][3];
  logic [PKEY_BITS-1:0] a_pkey    [ARRAYS][3];
  logic                 a_evicts  [ARRAYS];
  logic [CNT_W-1:0]     a_dropped [ARRAYS];
  logic [2:0]           touch;       // the size that answers the lookup
  logic [ARRAYS-1:0]    fill_array;  // the array holding the fill's size

  always_comb begin
    fill_array = '0;
    if (MAIN_SIZES[req_fill_size]) fill_array[0] = is_fill;
    else if (req_fill_size == SIZE_2M) fill_array[1] = is_fill;
    else fill_array[2] = is_fill;
  end

  localparam int A_ENTRIES[ARRAYS] = '{ENTRIES, ENTRIES_2M, ENTRIES_1G};
  localparam int A_WAYS[ARRAYS]    = '{WAYS, WAYS_2M, WAYS_1G};
  localparam logic [2:0] A_SIZES[ARRAYS] = '{MAIN_SIZES, 3'b010, 3'b100};

  for (genvar a = 0; a < ARRAYS; a++) begin : g_array
    if (A_ENTRIES[a] > 0) begin : g_present
      logic [$clog2(A_ENTRIES[a] + 1)-1:0] dropped;
      tlb_array #(.ENTRIES(A_ENTRIES[a]), .WAYS(A_WAYS[a]), .POLICY(POLICY), .SIZES(A_SIZES[a])) array (
          .clk,
          .rst,
          .vpn4k              (req_vpn),
          .pcid               (req_pcid),
          .hit                (a_hit[a]),
          .hit_frame          (a_frame[a]),
          .hit_global         (a_global[a]),
          .hit_dirty          (a_dirty[a]),
          .hit_rights         (a_rights[a]),
          .hit_pkey           (a_pkey[a]),
          .touch,
          .fill               (fill_array[a]),
          .fill_size          (req_fill_size),
          .fill_frame         (req_fill_pfn),
          .fill_global        (req_fill_global),
          .fill_dirty         (req_fill_dirty),
          .fill_rights        (req_fill_rights),
          .fill_pkey          (req_fill_pkey),
          .fill_evicts        (a_evicts[a]),
          .kill_all,
          .kill_nonglobal,
          .kill_pcid_nonglobal,
          .kill_pcid_any,
          .kill_page_nonglobal,
          .kill_page_global,
          .dropped
      );
      assign a_dropped[a] = CNT_W'(dropped);
    end else begin : g_absent
      assign a_hit[a] = '0;
      assign a_frame[a] = '{default: '0};
      assign a_global[a] = '0;
      assign a_dirty[a] = '0;
      assign a_rights[a] = '{default: '0};
      assign a_pkey[a] = '{default: '0};
      assign a_evicts[a] = 1'b0;
      assign a_dropped[a] = '0;
    end
  end

  // ---------------------------------------------------------------- lookup
  // One array holds each size and reports zeros for the others: OR them.
  logic [2:0]           hit;
  logic [FRAME_W-1:0]   frame [3];
  logic [2:0]           global_bit, dirty_bit;
  rights_t              rights[3];
  logic [PKEY_BITS-1:0] pkey  [3];
  always_comb begin
    hit = '0;
    global_bit = '0;
    dirty_bit = '0;
    for (int s = 0; s < 3; s++) begin
      frame[s] = '0;
      rights[s] = '0;
      pkey[s] = '0;
    end
    for (int a = 0; a < ARRAYS; a++) begin
      hit |= a_hit[a];
      global_bit |= a_global[a];
      dirty_bit |= a_dirty[a];
      for (int s = 0; s < 3; s++) begin
        frame[s] |= a_frame[a][s];
        rights[s] |= a_rights[a][s];
        pkey[s] |= a_pkey[a][s];
      end
    end
  end

  logic [1:0] win;  // answering size: the smallest that hits
  always_comb begin
    win = hit[0] ? SIZE_4K : hit[1] ? SIZE_2M : SIZE_1G;
    touch = '0;
    if (is_lookup && hit != '0) touch[win] = 1'b1;
  end

  logic [PA_BITS-1:0] offset;
  always_comb begin
    case (win)
      SIZE_2M: offset = PA_BITS'(req_vaddr[20:0]);
      SIZE_1G: offset = PA_BITS'(req_vaddr[29:0]);
      default: offset = PA_BITS'(req_vaddr[11:0]);
    endcase
  end

  // -------------------------------------------------------------- response
  always_ff @(posedge clk) begin
    if (rst) begin
      rsp_valid <= 1'b0;
      rsp_hit <= 1'b0;
      rsp_evicted <= 1'b0;
      rsp_dropped <= '0;
    end else begin
      rsp_valid   <= req_valid;
      rsp_hit     <= is_lookup && hit != '0;
      rsp_evicted <= (fill_array[0] && a_evicts[0]) || (fill_array[1] && a_evicts[1]) ||
                     (fill_array[2] && a_evicts[2]);
      rsp_dropped <= a_dropped[0] + a_dropped[1] + a_dropped[2];
    end
    // Translation fields of the entry hit (don't care on a miss).
    rsp_paddr  <= {frame[win], 12'b0} + offset;
    rsp_size   <= win;
    rsp_global <= global_bit[win];
    rsp_dirty  <= dirty_bit[win];
    rsp_rights <= rights[win];
    rsp_pkey   <= pkey[win];
  end

endmodule
