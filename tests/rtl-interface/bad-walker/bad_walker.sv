// A walker shell with two port-list mistakes: a 48-bit request address and
// no res_dirty output. Only its ports matter (tests/rtl-interface).
module bad_walker #(
    parameter int MAXPHYADDR = 46
) (
    input  logic        clk, rst,
    input  logic        req_valid,
    output logic        req_ready,
    input  logic [47:0] req_va,
    input  logic [1:0]  req_type,
    input  logic        req_user, req_implicit,
    input  logic        req_start_valid,
    input  logic [2:0]  req_start_level,
    input  logic [63:0] req_start_table,
    input  logic        req_start_w, req_start_u, req_start_nx,
    input  logic [63:0] cr3,
    input  logic        la57, cr0_wp, cr4_smep, cr4_smap, cr4_pke, cr4_pge, efer_nxe, eflags_ac,
    input  logic [31:0] pkru,
    output logic        mem_req_valid,
    input  logic        mem_req_ready,
    output logic        mem_req_cas,
    output logic [63:0] mem_req_addr, mem_req_cmp, mem_req_wdata,
    input  logic        mem_resp_valid,
    input  logic [63:0] mem_resp_data,
    input  logic        mem_resp_err,
    output logic        res_valid,
    input  logic        res_ready,
    output logic [1:0]  res_fault,
    output logic [5:0]  res_error_code,
    output logic [63:0] res_fault_addr, res_pa,
    output logic [1:0]  res_size,
    output logic        res_w, res_u, res_nx,
    output logic [3:0]  res_pkey,
    output logic        res_global
);
  assign req_ready = 1'b1;
  assign mem_req_valid = 1'b0;
  assign mem_req_cas = 1'b0;
  assign mem_req_addr = '0;
  assign mem_req_cmp = '0;
  assign mem_req_wdata = '0;
  assign res_valid = 1'b0;
  assign res_fault = '0;
  assign res_error_code = '0;
  assign res_fault_addr = '0;
  assign res_pa = '0;
  assign res_size = '0;
  assign res_w = 1'b0;
  assign res_u = 1'b0;
  assign res_nx = 1'b0;
  assign res_pkey = '0;
  assign res_global = 1'b0;
endmodule
