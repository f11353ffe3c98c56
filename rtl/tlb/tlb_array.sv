// One set-associative array of a TLB holding the page sizes in SIZES (bit 0
// 4K, bit 1 2M, bit 2 1G) — the model's ArrayConfig. It probes the set of
// each size it holds (set = VPN at that size mod SETS, lowest way first) and
// reports per size whether an entry of that size hits and what it holds
// (all zero for a size without a hit). The parent picks the answering size
// and asserts touch[size] for it only. Invalidation predicates come decoded
// from the parent; `dropped` counts the entries they select.
module tlb_array #(
    parameter int ENTRIES = 64,
    parameter int WAYS    = 4,
    parameter int POLICY  = tlmmu_pkg::POLICY_PLRU,
    parameter logic [2:0] SIZES = 3'b111,
    localparam int SETS   = ENTRIES / WAYS,
    localparam int SET_W  = (SETS > 1) ? $clog2(SETS) : 1,
    localparam int WAY_W  = $clog2(WAYS),
    localparam int IDX_W  = $clog2(ENTRIES),
    localparam int CNT_W  = $clog2(ENTRIES + 1),
    localparam int VPN_W  = tlmmu_pkg::VA_BITS - 12,
    localparam int FRAME_W = tlmmu_pkg::PA_BITS - 12
) (
    input  logic                              clk,
    input  logic                              rst,
    input  logic [VPN_W-1:0]                  vpn4k,       // request address >> 12
    input  logic [tlmmu_pkg::PCID_BITS-1:0]   pcid,
    // Lookup, per page size
    output logic [2:0]                        hit,
    output logic [FRAME_W-1:0]                hit_frame [3],
    output logic [2:0]                        hit_global,
    output logic [2:0]                        hit_dirty,
    output tlmmu_pkg::rights_t                hit_rights[3],
    output logic [tlmmu_pkg::PKEY_BITS-1:0]   hit_pkey  [3],
    input  logic [2:0]                        touch,
    // Fill (the parent asserts fill only for the array holding fill_size)
    input  logic                              fill,
    input  logic [1:0]                        fill_size,
    input  logic [FRAME_W-1:0]                fill_frame,
    input  logic                              fill_global,
    input  logic                              fill_dirty,
    input  tlmmu_pkg::rights_t                fill_rights,
    input  logic [tlmmu_pkg::PKEY_BITS-1:0]   fill_pkey,
    output logic                              fill_evicts,
    // Invalidation: an entry goes when any selected predicate holds
    input  logic                              kill_all,
    input  logic                              kill_nonglobal,       // any PCID
    input  logic                              kill_pcid_nonglobal,  // of pcid
    input  logic                              kill_pcid_any,        // of pcid, global too
    input  logic                              kill_page_nonglobal,  // the page of vpn4k, of pcid
    input  logic                              kill_page_global,     // the page of vpn4k, any PCID
    output logic [CNT_W-1:0]                  dropped
);
  import tlmmu_pkg::*;

  logic                 e_valid [ENTRIES];
  logic [VPN_W-1:0]     e_vpn   [ENTRIES];  // VPN at the entry's page size
  logic [1:0]           e_size  [ENTRIES];
  logic [PCID_BITS-1:0] e_pcid  [ENTRIES];
  logic                 e_global[ENTRIES];
  logic                 e_dirty [ENTRIES];
  logic [FRAME_W-1:0]   e_frame [ENTRIES];
  rights_t              e_rights[ENTRIES];
  logic [PKEY_BITS-1:0] e_pkey  [ENTRIES];

  // VPN at `size` of a 4 KiB VPN.
  function automatic logic [VPN_W-1:0] vpn_of(logic [VPN_W-1:0] v, logic [1:0] size);
    case (size)
      SIZE_2M: return v >> 9;
      SIZE_1G: return v >> 18;
      default: return v;
    endcase
  endfunction
  // Set of a VPN: its low bits (callers pass vpn[SET_W-1:0]).
  function automatic logic [SET_W-1:0] set_of(logic [SET_W-1:0] vpn_low);
    return vpn_low & SET_W'(SETS - 1);
  endfunction
  function automatic logic [IDX_W-1:0] index_of(logic [SET_W-1:0] set, int way);
    return IDX_W'(int'(set) * WAYS + way);
  endfunction

  // ---------------------------------------------------------------- lookup
  logic [SET_W-1:0] probe_set[3];
  logic [WAY_W-1:0] probe_way[3];
  always_comb begin
    for (int s = 0; s < 3; s++) begin
      logic [VPN_W-1:0] vpn;
      logic [IDX_W-1:0] i;
      vpn = vpn_of(vpn4k, 2'(s));
      probe_set[s] = set_of(vpn[SET_W-1:0]);
      probe_way[s] = '0;
      hit[s] = 1'b0;
      for (int w = WAYS - 1; w >= 0; w--) begin  // descending so that the lowest way wins
        i = index_of(probe_set[s], w);
        if (SIZES[s] && e_valid[i] && e_size[i] == 2'(s) && e_vpn[i] == vpn && (e_global[i] || e_pcid[i] == pcid)) begin
          hit[s] = 1'b1;
          probe_way[s] = WAY_W'(w);
        end
      end
      i = index_of(probe_set[s], int'(probe_way[s]));
      hit_frame[s]  = hit[s] ? e_frame[i] : '0;
      hit_global[s] = hit[s] && e_global[i];
      hit_dirty[s]  = hit[s] && e_dirty[i];
      hit_rights[s] = hit[s] ? e_rights[i] : '0;
      hit_pkey[s]   = hit[s] ? e_pkey[i] : '0;
    end
  end

  // ------------------------------------------------------------------ fill
  wire [VPN_W-1:0] fill_vpn = vpn_of(vpn4k, fill_size);
  wire [SET_W-1:0] fill_set = set_of(fill_vpn[SET_W-1:0]);
  logic [WAY_W-1:0] victim_way, fill_way;
  always_comb begin
    logic same_found, free_found;
    logic [WAY_W-1:0] same_way, free_way;
    same_found = 1'b0;
    free_found = 1'b0;
    same_way = '0;
    free_way = '0;
    for (int w = WAYS - 1; w >= 0; w--) begin
      logic [IDX_W-1:0] i;
      i = index_of(fill_set, w);
      // An entry the lookup could return for the same page: overwrite it.
      if (e_valid[i] && e_size[i] == fill_size && e_vpn[i] == fill_vpn && (e_global[i] || e_pcid[i] == pcid)) begin
        same_found = 1'b1;
        same_way = WAY_W'(w);
      end
      if (!e_valid[i]) begin
        free_found = 1'b1;
        free_way = WAY_W'(w);
      end
    end
    fill_way = same_found ? same_way : free_found ? free_way : victim_way;
    fill_evicts = !same_found && !free_found;
  end

  // One touch per cycle: the fill, or the hit of the size the parent chose.
  logic             touch_valid;
  logic [SET_W-1:0] touch_set;
  logic [WAY_W-1:0] touch_way;
  always_comb begin
    touch_valid = fill;
    touch_set = fill_set;
    touch_way = fill_way;
    for (int s = 0; s < 3; s++) begin
      if (!fill && touch[s] && hit[s]) begin
        touch_valid = 1'b1;
        touch_set = probe_set[s];
        touch_way = probe_way[s];
      end
    end
  end

  tlmmu_replacement #(.SETS(SETS), .WAYS(WAYS), .POLICY(POLICY)) replacement (
      .clk,
      .rst,
      .touch_valid,
      .touch_set,
      .touch_way,
      .victim_set(fill_set),
      .victim_way
  );

  // ---------------------------------------------------------- invalidation
  logic [ENTRIES-1:0] drop;
  always_comb begin
    for (int i = 0; i < ENTRIES; i++) begin
      logic same_pcid, same_page, g;
      same_pcid = e_pcid[i] == pcid;
      same_page = e_vpn[i] == vpn_of(vpn4k, e_size[i]);
      g = e_global[i];
      drop[i] = e_valid[i] && (kill_all || (kill_nonglobal && !g) || (kill_pcid_nonglobal && same_pcid && !g) ||
                               (kill_pcid_any && same_pcid) || (kill_page_nonglobal && same_page && same_pcid && !g) ||
                               (kill_page_global && same_page && g));
    end
  end
  assign dropped = CNT_W'($countones(drop));

  // ----------------------------------------------------------------- state
  wire [IDX_W-1:0] fill_index = index_of(fill_set, int'(fill_way));
  always_ff @(posedge clk) begin
    if (rst) begin
      for (int i = 0; i < ENTRIES; i++) e_valid[i] <= 1'b0;
    end else if (fill) begin
      e_valid [fill_index] <= 1'b1;
      e_vpn   [fill_index] <= fill_vpn;
      e_size  [fill_index] <= fill_size;
      e_pcid  [fill_index] <= pcid;
      e_global[fill_index] <= fill_global;
      e_dirty [fill_index] <= fill_dirty;
      e_frame [fill_index] <= fill_frame;
      e_rights[fill_index] <= fill_rights;
      e_pkey  [fill_index] <= fill_pkey;
    end else begin
      for (int i = 0; i < ENTRIES; i++)
        if (drop[i]) e_valid[i] <= 1'b0;
    end
  end

endmodule
