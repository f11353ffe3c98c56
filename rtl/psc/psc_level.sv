// One paging-structure cache level (LEVEL 2 = PDE ... 5 = PML5E): a
// set-associative array of PCID-tagged entries holding the next table's
// physical address and the rights combined down to this level. The tag is
// linear-address bits 56:index_shift(LEVEL); set = tag mod SETS. No global
// bit (SDM 4.10.3.1). Mirrors models/tlmmu/core/psc.cpp.
module psc_level #(
    parameter int LEVEL   = 2,
    parameter int ENTRIES = 32,
    parameter int WAYS    = 4,
    parameter int POLICY  = tlmmu_pkg::POLICY_PLRU,
    localparam int SETS   = ENTRIES / WAYS,
    localparam int SET_W  = (SETS > 1) ? $clog2(SETS) : 1,
    localparam int WAY_W  = $clog2(WAYS),
    localparam int IDX_W  = $clog2(ENTRIES),
    localparam int CNT_W  = $clog2(ENTRIES + 1),
    localparam int SHIFT  = 12 + 9 * (LEVEL - 1),
    localparam int TAG_W  = tlmmu_pkg::VA_BITS - SHIFT
) (
    input  logic                              clk,
    input  logic                              rst,
    input  logic [TAG_W-1:0]                  tag,          // req_vaddr[56:SHIFT]
    input  logic [tlmmu_pkg::PCID_BITS-1:0]   pcid,
    // Lookup: hit is combinational; touch marks the hit entry used (the
    // parent asserts it only for the deepest level that hits).
    output logic                              hit,
    output logic [tlmmu_pkg::PA_BITS-13:0]    hit_table,
    output tlmmu_pkg::rights_t                hit_rights,
    output logic                              hit_pcd,
    output logic                              hit_pwt,
    input  logic                              touch,
    // Fill
    input  logic                              fill,
    input  logic [tlmmu_pkg::PA_BITS-13:0]    fill_table,
    input  tlmmu_pkg::rights_t                fill_rights,
    input  logic                              fill_pcd,
    input  logic                              fill_pwt,
    output logic                              fill_evicts,
    // Invalidation: drop_all, drop the PCID's entries, or the PCID's entry for the tag
    input  logic                              drop_all,
    input  logic                              drop_pcid,
    input  logic                              drop_tag,
    output logic [CNT_W-1:0]                  dropped
);
  import tlmmu_pkg::*;

  logic                 e_valid [ENTRIES];
  logic [TAG_W-1:0]     e_tag   [ENTRIES];
  logic [PCID_BITS-1:0] e_pcid  [ENTRIES];
  logic [PA_BITS-13:0]  e_table [ENTRIES];
  rights_t              e_rights[ENTRIES];
  logic                 e_pcd   [ENTRIES];
  logic                 e_pwt   [ENTRIES];

  wire [SET_W-1:0] set = tag[SET_W-1:0] & SET_W'(SETS - 1);
  function automatic logic [IDX_W-1:0] index_of(int way);
    return IDX_W'(int'(set) * WAYS + way);
  endfunction

  // Lookup and fill search the same set for the same (tag, PCID).
  logic [WAY_W-1:0] match_way, free_way, victim_way, fill_way;
  logic             free_found;
  always_comb begin
    hit = 1'b0;
    match_way = '0;
    free_found = 1'b0;
    free_way = '0;
    for (int w = WAYS - 1; w >= 0; w--) begin  // descending so that the lowest way wins
      if (e_valid[index_of(w)] && e_tag[index_of(w)] == tag && e_pcid[index_of(w)] == pcid) begin
        hit = 1'b1;
        match_way = WAY_W'(w);
      end
      if (!e_valid[index_of(w)]) begin
        free_found = 1'b1;
        free_way = WAY_W'(w);
      end
    end
    fill_way = hit ? match_way : free_found ? free_way : victim_way;
    fill_evicts = !hit && !free_found;
  end
  wire [IDX_W-1:0] hit_index = index_of(int'(match_way));
  wire [IDX_W-1:0] fill_index = index_of(int'(fill_way));
  assign hit_table  = e_table[hit_index];
  assign hit_rights = e_rights[hit_index];
  assign hit_pcd    = e_pcd[hit_index];
  assign hit_pwt    = e_pwt[hit_index];

  tlmmu_replacement #(.SETS(SETS), .WAYS(WAYS), .POLICY(POLICY)) replacement (
      .clk,
      .rst,
      .touch_valid(fill || (touch && hit)),
      .touch_set  (set),
      .touch_way  (fill ? fill_way : match_way),
      .victim_set (set),
      .victim_way
  );

  logic [ENTRIES-1:0] drop;
  always_comb begin
    for (int i = 0; i < ENTRIES; i++)
      drop[i] = e_valid[i] && (drop_all || ((drop_pcid || (drop_tag && e_tag[i] == tag)) && e_pcid[i] == pcid));
  end
  assign dropped = CNT_W'($countones(drop));

  always_ff @(posedge clk) begin
    if (rst) begin
      for (int i = 0; i < ENTRIES; i++) e_valid[i] <= 1'b0;
    end else if (fill) begin
      e_valid [fill_index] <= 1'b1;
      e_tag   [fill_index] <= tag;
      e_pcid  [fill_index] <= pcid;
      e_table [fill_index] <= fill_table;
      e_rights[fill_index] <= fill_rights;
      e_pcd   [fill_index] <= fill_pcd;
      e_pwt   [fill_index] <= fill_pwt;
    end else begin
      for (int i = 0; i < ENTRIES; i++)
        if (drop[i]) e_valid[i] <= 1'b0;
    end
  end

endmodule
