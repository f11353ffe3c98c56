// my_tlb: a small fully associative TLB with true LRU replacement, written
// against tlmmu's TLB port list (docs/rtl-interface.md) and co-simulated
// against the model by tlmmu_add_rtl_cosim (CMakeLists.txt).
//
// Every page size lives in one array. A lookup hits on the first valid entry
// (lowest index) of the smallest page size whose VPN matches and that is
// global or of req_pcid; a fill overwrites an entry the lookup could return
// for the same page, else takes the lowest free entry, else the least
// recently used one. The response is registered: one request per cycle.
//
// Define MY_TLB_BUG to plant a bug: INVLPG forgets global entries.
module my_tlb #(
    parameter int ENTRIES = 8,
    localparam int IDX_W = $clog2(ENTRIES),
    localparam int CNT_W = $clog2(ENTRIES + 1)
) (
    input  logic             clk,
    input  logic             rst,
    input  logic             req_valid,
    input  logic [3:0]       req_op,
    input  logic [56:0]      req_vaddr,
    input  logic [11:0]      req_pcid,
    input  logic             req_noflush,
    input  logic [3:0]       req_cr4_old,     // {smep, pcide, pge, pae}
    input  logic [3:0]       req_cr4_new,
    input  logic [39:0]      req_fill_pfn,
    input  logic [1:0]       req_fill_size,
    input  logic             req_fill_global,
    input  logic             req_fill_dirty,
    input  logic [2:0]       req_fill_rights, // {nx, user, writable}
    input  logic [3:0]       req_fill_pkey,
    output logic             rsp_valid,
    output logic             rsp_hit,
    output logic [51:0]      rsp_paddr,
    output logic [1:0]       rsp_size,
    output logic             rsp_global,
    output logic             rsp_dirty,
    output logic [2:0]       rsp_rights,
    output logic [3:0]       rsp_pkey,
    output logic             rsp_evicted,
    output logic [CNT_W-1:0] rsp_dropped
);
  localparam logic [3:0] OP_LOOKUP = 4'd1, OP_FILL = 4'd2, OP_INVLPG = 4'd3, OP_INVPCID_ADDR = 4'd4,
                         OP_INVPCID_SINGLE = 4'd5, OP_INVPCID_ALL = 4'd6, OP_INVPCID_NONGLOBAL = 4'd7,
                         OP_MOV_CR3 = 4'd8, OP_MOV_CR4 = 4'd9, OP_PAGE_FAULT = 4'd10;

  logic        valid [ENTRIES];
  logic [44:0] vpn   [ENTRIES];  // the VPN at the entry's page size
  logic [1:0]  size  [ENTRIES];
  logic [11:0] pcid  [ENTRIES];
  logic        global_bit[ENTRIES];
  logic        dirty [ENTRIES];
  logic [39:0] frame [ENTRIES];
  logic [2:0]  rights[ENTRIES];
  logic [3:0]  pkey  [ENTRIES];
  logic [IDX_W-1:0] age[ENTRIES];  // 0: most recently used

  function automatic logic [44:0] vpn_at(logic [44:0] v, logic [1:0] s);
    return s == 2'd1 ? v >> 9 : s == 2'd2 ? v >> 18 : v;
  endfunction

  wire [44:0] req_vpn = req_vaddr[56:12];
  wire is_lookup = req_valid && req_op == OP_LOOKUP;
  wire is_fill   = req_valid && req_op == OP_FILL;

  // ---------------------------------------------------------------- lookup
  logic             hit;
  logic [IDX_W-1:0] hit_index;
  always_comb begin
    hit = 1'b0;
    hit_index = '0;
    for (int s = 2; s >= 0; s--)          // the smallest size that hits wins
      for (int i = ENTRIES - 1; i >= 0; i--)  // and within it the lowest index
        if (valid[i] && size[i] == 2'(s) && vpn[i] == vpn_at(req_vpn, 2'(s)) &&
            (global_bit[i] || pcid[i] == req_pcid)) begin
          hit = 1'b1;
          hit_index = IDX_W'(i);
        end
  end

  // ------------------------------------------------------------------ fill
  wire [44:0] fill_vpn = vpn_at(req_vpn, req_fill_size);
  logic             same_found, free_found, evicts;
  logic [IDX_W-1:0] same_index, free_index, victim, fill_index;
  always_comb begin
    same_found = 1'b0;
    free_found = 1'b0;
    same_index = '0;
    free_index = '0;
    victim = '0;
    for (int i = ENTRIES - 1; i >= 0; i--) begin
      if (valid[i] && size[i] == req_fill_size && vpn[i] == fill_vpn && (global_bit[i] || pcid[i] == req_pcid)) begin
        same_found = 1'b1;
        same_index = IDX_W'(i);
      end
      if (!valid[i]) begin
        free_found = 1'b1;
        free_index = IDX_W'(i);
      end
      if (age[i] == IDX_W'(ENTRIES - 1)) victim = IDX_W'(i);
    end
    fill_index = same_found ? same_index : free_found ? free_index : victim;
    evicts = !same_found && !free_found;
  end

  // ---------------------------------------------------------- invalidation
  wire pge_changed = req_cr4_old[1] != req_cr4_new[1];
  wire pcide_off   = req_cr4_old[2] && !req_cr4_new[2];
  wire cr4_all     = pge_changed || pcide_off;
  wire cr4_pcid    = !cr4_all && ((req_cr4_old[0] != req_cr4_new[0]) || (!req_cr4_old[3] && req_cr4_new[3]));
  logic [ENTRIES-1:0] drop;
  always_comb begin
    for (int i = 0; i < ENTRIES; i++) begin
      logic same_pcid, same_page, g;
      same_pcid = pcid[i] == req_pcid;
      same_page = vpn[i] == vpn_at(req_vpn, size[i]);
      g = global_bit[i];
      drop[i] = 1'b0;
      if (req_valid && valid[i])
        case (req_op)
`ifdef MY_TLB_BUG
          OP_INVLPG:            drop[i] = same_page && same_pcid && !g;  // planted bug: global entries stay
          OP_PAGE_FAULT:        drop[i] = same_page && (g || same_pcid);
`else
          OP_INVLPG, OP_PAGE_FAULT: drop[i] = same_page && (g || same_pcid);
`endif
          OP_INVPCID_ADDR:      drop[i] = same_page && same_pcid && !g;
          OP_INVPCID_SINGLE:    drop[i] = same_pcid && !g;
          OP_INVPCID_ALL:       drop[i] = 1'b1;
          OP_INVPCID_NONGLOBAL: drop[i] = !g;
          OP_MOV_CR3:           drop[i] = !req_noflush && same_pcid && !g;
          OP_MOV_CR4:           drop[i] = cr4_all || (cr4_pcid && same_pcid);
          default:              drop[i] = 1'b0;
        endcase
    end
  end

  // ----------------------------------------------------------------- state
  wire              touch = is_fill || (is_lookup && hit);
  wire [IDX_W-1:0]  touched = is_fill ? fill_index : hit_index;
  always_ff @(posedge clk) begin
    if (rst) begin
      for (int i = 0; i < ENTRIES; i++) begin
        valid[i] <= 1'b0;
        age[i] <= IDX_W'(i);
      end
    end else begin
      if (is_fill) begin
        valid[fill_index]      <= 1'b1;
        vpn[fill_index]        <= fill_vpn;
        size[fill_index]       <= req_fill_size;
        pcid[fill_index]       <= req_pcid;
        global_bit[fill_index] <= req_fill_global;
        dirty[fill_index]      <= req_fill_dirty;
        frame[fill_index]      <= req_fill_pfn;
        rights[fill_index]     <= req_fill_rights;
        pkey[fill_index]       <= req_fill_pkey;
      end
      for (int i = 0; i < ENTRIES; i++)
        if (drop[i]) valid[i] <= 1'b0;
      if (touch)
        for (int i = 0; i < ENTRIES; i++)
          if (IDX_W'(i) == touched) age[i] <= '0;
          else if (age[i] < age[touched]) age[i] <= age[i] + 1'b1;
    end
  end

  // -------------------------------------------------------------- response
  logic [51:0] offset;
  always_comb begin
    case (size[hit_index])
      2'd1:    offset = 52'(req_vaddr[20:0]);
      2'd2:    offset = 52'(req_vaddr[29:0]);
      default: offset = 52'(req_vaddr[11:0]);
    endcase
  end
  always_ff @(posedge clk) begin
    if (rst) begin
      rsp_valid   <= 1'b0;
      rsp_hit     <= 1'b0;
      rsp_evicted <= 1'b0;
      rsp_dropped <= '0;
    end else begin
      rsp_valid   <= req_valid;
      rsp_hit     <= is_lookup && hit;
      rsp_evicted <= is_fill && evicts;
      rsp_dropped <= CNT_W'($countones(drop));
    end
    rsp_paddr  <= {frame[hit_index], 12'b0} + offset;
    rsp_size   <= size[hit_index];
    rsp_global <= global_bit[hit_index];
    rsp_dirty  <= dirty[hit_index];
    rsp_rights <= rights[hit_index];
    rsp_pkey   <= pkey[hit_index];
  end
endmodule
