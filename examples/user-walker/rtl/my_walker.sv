// my_walker: a page walker with a registered memory port, written against
// tlmmu's page-walker port list (docs/rtl-interface.md) and co-simulated
// against the model by tlmmu_add_rtl_cosim (CMakeLists.txt).
//
// The walk itself is tlmmu's walker (walker.sv from the installed package);
// what this design adds is a register slice on the memory request channel,
// as a walker placed far from its memory needs for timing: the walker hands
// a request to the slice, the slice presents it to the memory from its own
// registers and holds it until taken. The response comes straight back.
// One request is in flight at a time, so the slice never holds a second.
//
// Define MY_WALKER_BUG to plant a bug: the slice keeps only the accessed bit
// of a compare-and-set's new value, so a write never sets the dirty bit.
module my_walker #(
    parameter int MAXPHYADDR = 46,
    parameter int GB_PAGES = 1,
    parameter int RESTART_LIMIT = 8
) (
    input  logic        clk,
    input  logic        rst,
    input  logic        req_valid,
    output logic        req_ready,
    input  logic [63:0] req_va,
    input  logic [1:0]  req_type,
    input  logic        req_user,
    input  logic        req_implicit,
    input  logic        req_start_valid,
    input  logic [2:0]  req_start_level,
    input  logic [63:0] req_start_table,
    input  logic        req_start_w,
    input  logic        req_start_u,
    input  logic        req_start_nx,
    input  logic [63:0] cr3,
    input  logic        la57,
    input  logic        cr0_wp,
    input  logic        cr4_smep,
    input  logic        cr4_smap,
    input  logic        cr4_pke,
    input  logic        cr4_pge,
    input  logic        efer_nxe,
    input  logic        eflags_ac,
    input  logic [31:0] pkru,
    output logic        mem_req_valid,
    input  logic        mem_req_ready,
    output logic        mem_req_cas,
    output logic [63:0] mem_req_addr,
    output logic [63:0] mem_req_cmp,
    output logic [63:0] mem_req_wdata,
    input  logic        mem_resp_valid,
    input  logic [63:0] mem_resp_data,
    input  logic        mem_resp_err,
    output logic        res_valid,
    input  logic        res_ready,
    output logic [1:0]  res_fault,
    output logic [5:0]  res_error_code,
    output logic [63:0] res_fault_addr,
    output logic [63:0] res_pa,
    output logic [1:0]  res_size,
    output logic        res_w,
    output logic        res_u,
    output logic        res_nx,
    output logic [3:0]  res_pkey,
    output logic        res_global,
    output logic        res_dirty
);
  // The walker's side of the slice.
  logic        walk_req_valid, walk_req_ready, walk_req_cas;
  logic [63:0] walk_req_addr, walk_req_cmp, walk_req_wdata;

  walker #(.MAXPHYADDR(MAXPHYADDR), .GB_PAGES(GB_PAGES), .RESTART_LIMIT(RESTART_LIMIT)) core (
      .clk, .rst,
      .req_valid, .req_ready, .req_va, .req_type, .req_user, .req_implicit,
      .req_start_valid, .req_start_level, .req_start_table, .req_start_w, .req_start_u, .req_start_nx,
      .cr3, .la57, .cr0_wp, .cr4_smep, .cr4_smap, .cr4_pke, .cr4_pge, .efer_nxe, .eflags_ac, .pkru,
      .mem_req_valid (walk_req_valid),
      .mem_req_ready (walk_req_ready),
      .mem_req_cas   (walk_req_cas),
      .mem_req_addr  (walk_req_addr),
      .mem_req_cmp   (walk_req_cmp),
      .mem_req_wdata (walk_req_wdata),
      .mem_resp_valid, .mem_resp_data, .mem_resp_err,
      .res_valid, .res_ready, .res_fault, .res_error_code, .res_fault_addr, .res_pa, .res_size,
      .res_w, .res_u, .res_nx, .res_pkey, .res_global, .res_dirty
  );

  // The slice takes a request when empty; it empties when the memory takes it.
  assign walk_req_ready = !mem_req_valid;

  logic [63:0] slice_wdata;
`ifdef MY_WALKER_BUG
  // Planted bug: of the bits a compare-and-set sets, only A (bit 5) survives.
  assign slice_wdata = walk_req_cas ? walk_req_cmp | ((walk_req_wdata ^ walk_req_cmp) & 64'h20) : walk_req_wdata;
`else
  assign slice_wdata = walk_req_wdata;
`endif

  always_ff @(posedge clk) begin
    if (rst) begin
      mem_req_valid <= 1'b0;
    end else if (!mem_req_valid && walk_req_valid) begin
      mem_req_valid <= 1'b1;
      mem_req_cas   <= walk_req_cas;
      mem_req_addr  <= walk_req_addr;
      mem_req_cmp   <= walk_req_cmp;
      mem_req_wdata <= slice_wdata;
    end else if (mem_req_valid && mem_req_ready) begin
      mem_req_valid <= 1'b0;
    end
  end

endmodule
