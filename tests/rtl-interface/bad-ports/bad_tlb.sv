// Ports that do not match the TLB interface: req_vaddr is 48 bits (57
// needed) and rsp_pkey is missing. The body only ties the outputs off.
module bad_tlb (
    input  logic        clk,
    input  logic        rst,
    input  logic        req_valid,
    input  logic [3:0]  req_op,
    input  logic [47:0] req_vaddr,
    input  logic [11:0] req_pcid,
    input  logic        req_noflush,
    input  logic [3:0]  req_cr4_old,
    input  logic [3:0]  req_cr4_new,
    input  logic [39:0] req_fill_pfn,
    input  logic [1:0]  req_fill_size,
    input  logic        req_fill_global,
    input  logic        req_fill_dirty,
    input  logic [2:0]  req_fill_rights,
    input  logic [3:0]  req_fill_pkey,
    output logic        rsp_valid,
    output logic        rsp_hit,
    output logic [51:0] rsp_paddr,
    output logic [1:0]  rsp_size,
    output logic        rsp_global,
    output logic        rsp_dirty,
    output logic [2:0]  rsp_rights,
    output logic        rsp_evicted,
    output logic [2:0]  rsp_dropped
);
  always_ff @(posedge clk) rsp_valid <= req_valid && !rst;
  assign rsp_hit = 1'b0;
  assign rsp_paddr = '0;
  assign rsp_size = '0;
  assign rsp_global = 1'b0;
  assign rsp_dirty = 1'b0;
  assign rsp_rights = '0;
  assign rsp_evicted = 1'b0;
  assign rsp_dropped = '0;
endmodule
