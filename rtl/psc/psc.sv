// Paging-structure caches of a 4- or 5-level walker: one psc_level per cached
// level (PDE, PDPTE, PML4E and, with LEVELS = 5, PML5E), looked up together;
// the deepest level that hits answers and only its entry becomes most recently
// used, as in Mmu::walk_and_fill. A level with ENTRIES = 0 is absent. One
// request per clock cycle, response registered like the TLB's.
module psc #(
    parameter int LEVELS        = 5,   // 4: PML4 is the root (no PML5E cache)
    parameter int PDE_ENTRIES   = 32,
    parameter int PDE_WAYS      = 4,
    parameter int PDPTE_ENTRIES = 4,
    parameter int PDPTE_WAYS    = 4,
    parameter int PML4E_ENTRIES = 2,
    parameter int PML4E_WAYS    = 2,
    parameter int PML5E_ENTRIES = 2,
    parameter int PML5E_WAYS    = 2,
    parameter int POLICY        = tlmmu_pkg::POLICY_PLRU,
    localparam int CNT_W        = $clog2(PDE_ENTRIES + PDPTE_ENTRIES + PML4E_ENTRIES + PML5E_ENTRIES + 1)
) (
    input  logic                              clk,
    input  logic                              rst,
    input  logic                              req_valid,
    input  logic [3:0]                        req_op,        // tlmmu_pkg::OP_*
    input  logic [tlmmu_pkg::VA_BITS-1:0]     req_vaddr,
    input  logic [tlmmu_pkg::PCID_BITS-1:0]   req_pcid,
    input  logic                              req_noflush,
    input  tlmmu_pkg::cr4_bits_t              req_cr4_old,
    input  tlmmu_pkg::cr4_bits_t              req_cr4_new,
    input  logic [2:0]                        req_fill_level, // 2 = PDE ... 5 = PML5E
    input  logic [tlmmu_pkg::PA_BITS-13:0]    req_fill_table, // next table >> 12
    input  tlmmu_pkg::rights_t                req_fill_rights,
    input  logic                              req_fill_pcd,
    input  logic                              req_fill_pwt,
    output logic                              rsp_valid,
    output logic                              rsp_hit,
    output logic [2:0]                        rsp_level,      // level of the entry hit
    output logic [tlmmu_pkg::PA_BITS-13:0]    rsp_table,
    output tlmmu_pkg::rights_t                rsp_rights,
    output logic                              rsp_pcd,
    output logic                              rsp_pwt,
    output logic                              rsp_evicted,
    output logic [CNT_W-1:0]                  rsp_dropped
);
  import tlmmu_pkg::*;

  localparam int ENTRIES[2:5] = '{PDE_ENTRIES, PDPTE_ENTRIES, PML4E_ENTRIES, PML5E_ENTRIES};
  localparam int WAYS[2:5]    = '{PDE_WAYS, PDPTE_WAYS, PML4E_WAYS, PML5E_WAYS};

  wire is_lookup = req_valid && req_op == OP_LOOKUP;
  wire is_fill   = req_valid && req_op == OP_FILL;
  cr4_flush_t cr4;
  assign cr4 = cr4_flush(req_cr4_old, req_cr4_new);

  // What an operation drops in every level (mmu.cpp: INVLPG and INVPCID
  // type 0/1 drop the PCID's entries, a #PF the entries for its address).
  logic drop_all, drop_pcid, drop_tag;
  always_comb begin
    drop_all = 1'b0;
    drop_pcid = 1'b0;
    drop_tag = 1'b0;
    if (req_valid) begin
      case (req_op)
        OP_INVLPG, OP_INVPCID_ADDR, OP_INVPCID_SINGLE: drop_pcid = 1'b1;
        OP_INVPCID_ALL, OP_INVPCID_NONGLOBAL:         drop_all = 1'b1;
        OP_MOV_CR3:                                   drop_pcid = !req_noflush;
        OP_MOV_CR4: begin
          drop_all = cr4.all;
          drop_pcid = cr4.pcid;
        end
        OP_PAGE_FAULT:                                drop_tag = 1'b1;
        default: ;                                    // OP_NONE, OP_LOOKUP, OP_FILL
      endcase
    end
  end

  logic               hit[2:5];
  logic [PA_BITS-13:0] hit_table[2:5];
  rights_t            hit_rights[2:5];
  logic               hit_pcd[2:5], hit_pwt[2:5], evicts[2:5];
  logic [CNT_W-1:0]   dropped[2:5];
  logic               deeper_hit[2:5];  // some level below this one hits

  for (genvar l = 2; l <= 5; l++) begin : g_level
    if (l <= LEVELS && ENTRIES[l] > 0) begin : g_present
      localparam int SHIFT = 12 + 9 * (l - 1);
      logic [$clog2(ENTRIES[l] + 1)-1:0] level_dropped;
      psc_level #(.LEVEL(l), .ENTRIES(ENTRIES[l]), .WAYS(WAYS[l]), .POLICY(POLICY)) cache (
          .clk,
          .rst,
          .tag        (req_vaddr[VA_BITS-1:SHIFT]),
          .pcid       (req_pcid),
          .hit        (hit[l]),
          .hit_table  (hit_table[l]),
          .hit_rights (hit_rights[l]),
          .hit_pcd    (hit_pcd[l]),
          .hit_pwt    (hit_pwt[l]),
          .touch      (is_lookup && !deeper_hit[l]),
          .fill       (is_fill && req_fill_level == 3'(l)),
          .fill_table (req_fill_table),
          .fill_rights(req_fill_rights),
          .fill_pcd   (req_fill_pcd),
          .fill_pwt   (req_fill_pwt),
          .fill_evicts(evicts[l]),
          .drop_all,
          .drop_pcid,
          .drop_tag,
          .dropped    (level_dropped)
      );
      assign dropped[l] = CNT_W'(level_dropped);
    end else begin : g_absent
      assign hit[l] = 1'b0;
      assign hit_table[l] = '0;
      assign hit_rights[l] = '0;
      assign hit_pcd[l] = 1'b0;
      assign hit_pwt[l] = 1'b0;
      assign evicts[l] = 1'b0;
      assign dropped[l] = '0;
    end
  end

  always_comb begin
    deeper_hit[2] = 1'b0;
    for (int l = 3; l <= 5; l++) deeper_hit[l] = deeper_hit[l-1] || hit[l-1];
  end
  // The page offset and the PTE index never reach a paging-structure cache
  // (nor the PDE index when the PDE cache is absent).
  wire unused_vaddr_bits = ^req_vaddr[29:0];

  always_ff @(posedge clk) begin
    if (rst) begin
      rsp_valid <= 1'b0;
      rsp_hit <= 1'b0;
      rsp_level <= '0;
      rsp_evicted <= 1'b0;
      rsp_dropped <= '0;
    end else begin
      rsp_valid <= req_valid;
      rsp_hit <= 1'b0;
      rsp_level <= '0;
      for (int l = 5; l >= 2; l--) begin  // descending so that the deepest level wins
        if (is_lookup && hit[l]) begin
          rsp_hit <= 1'b1;
          rsp_level <= 3'(l);
          rsp_table <= hit_table[l];
          rsp_rights <= hit_rights[l];
          rsp_pcd <= hit_pcd[l];
          rsp_pwt <= hit_pwt[l];
        end
      end
      rsp_evicted <= is_fill && evicts[req_fill_level < 3'd2 ? 2 : int'(req_fill_level)];
      rsp_dropped <= dropped[2] + dropped[3] + dropped[4] + dropped[5];
    end
  end

endmodule
