// x86-64 page walker for 4-level and 5-level (CR4.LA57) IA-32e paging.
//
// One walk at a time. A request carries the linear address, the access
// (read / write / fetch, user or supervisor, implicit supervisor) and,
// optionally, a paging-structure-cache hit to start below the root. The
// control state (CR3, CR0.WP, CR4.SMEP/SMAP/PKE/PGE/LA57, EFER.NXE, EFLAGS.AC,
// PKRU) is sampled when the request is accepted and held for the whole walk.
//
// The rules, and their order, are those of the C++ model's Mmu::walk_tables
// (models/tlmmu/core/mmu.cpp), documented in docs/rtl-walker.md:
//   per level: read the entry; not present -> #PF; reserved bit -> #PF with
//   RSVD; combine R/W, U/S, XD; a non-leaf entry with A=0 gets A by a locked
//   compare-and-set before the walk descends; a leaf is first checked against
//   the access (U/S, R/W with WP, NX, SMEP, SMAP with AC, protection keys) and
//   only an allowed access sets its A (and D on a write). A compare-and-set
//   that finds the entry changed restarts the walk from where it started, at
//   most RESTART_LIMIT times in all, then reports a bus fault.
//
// Memory port: one outstanding request. A read returns the 8-byte entry; a
// compare-and-set (mem_req_cas) writes mem_req_wdata if the entry still equals
// mem_req_cmp and returns the value it found, all as one locked access.
// mem_resp_err rejects either (a bus fault at that address).
module walker #(
    parameter int MAXPHYADDR = 46,       // 32..52, CPUID.80000008H:EAX[7:0]
    parameter int GB_PAGES = 1,          // 1: 1 GiB pages (CPUID.80000001H:EDX.Page1GB)
    parameter int RESTART_LIMIT = 8      // walks tried before a bus fault
) (
    input  logic        clk,
    input  logic        rst,              // synchronous, active high

    // Request.
    input  logic        req_valid,
    output logic        req_ready,
    input  logic [63:0] req_va,
    input  logic [1:0]  req_type,         // 0 read, 1 write, 2 fetch (3 is treated as a read)
    input  logic        req_user,         // CPL 3
    input  logic        req_implicit,     // implicit supervisor access (ignores req_user)
    input  logic        req_start_valid,  // start from a paging-structure-cache hit
    input  logic [2:0]  req_start_level,  // level of the first entry read (1 = PT .. 4 = PML4)
    input  logic [63:0] req_start_table,  // physical address of that table (4 KiB aligned)
    input  logic        req_start_w,      // rights combined above the start level
    input  logic        req_start_u,
    input  logic        req_start_nx,

    // Control state, sampled with the request.
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

    // Memory port.
    output logic        mem_req_valid,
    input  logic        mem_req_ready,
    output logic        mem_req_cas,      // 0: read, 1: locked compare-and-set
    output logic [63:0] mem_req_addr,
    output logic [63:0] mem_req_cmp,
    output logic [63:0] mem_req_wdata,
    input  logic        mem_resp_valid,
    input  logic [63:0] mem_resp_data,    // the entry (read) or the value found (compare-and-set)
    input  logic        mem_resp_err,

    // Result, held until taken.
    output logic        res_valid,
    input  logic        res_ready,
    output logic [1:0]  res_fault,        // 0 none, 1 #PF, 2 bus fault, 3 #GP (non-canonical)
    output logic [5:0]  res_error_code,   // #PF error code: P, W/R, U/S, RSVD, I/D, PK
    output logic [63:0] res_fault_addr,   // CR2 for #PF, the physical address for a bus fault
    output logic [63:0] res_pa,
    output logic [1:0]  res_size,         // 0 4 KiB, 1 2 MiB, 2 1 GiB
    output logic        res_w,            // combined rights
    output logic        res_u,
    output logic        res_nx,
    output logic [3:0]  res_pkey,
    output logic        res_global,       // G in the leaf and CR4.PGE
    output logic        res_dirty         // D in the leaf after the walk
);

    localparam logic [1:0] FAULT_NONE = 2'd0;
    localparam logic [1:0] FAULT_PF = 2'd1;
    localparam logic [1:0] FAULT_BUS = 2'd2;
    localparam logic [1:0] FAULT_GP = 2'd3;

    localparam logic [1:0] TYPE_WRITE = 2'd1;
    localparam logic [1:0] TYPE_FETCH = 2'd2;

    // Entry bits (SDM vol. 3A tables 4-15 to 4-20).
    localparam int P = 0;
    localparam int RW = 1;
    localparam int US = 2;
    localparam int A = 5;
    localparam int D = 6;
    localparam int PS = 7;
    localparam int G = 8;
    localparam int XD = 63;

    // Address bits an entry holds, and the bits 51:MAXPHYADDR reserved in every entry.
    localparam logic [63:0] PHYS_MASK = (64'd1 << MAXPHYADDR) - 64'd1;
    localparam logic [63:0] RSVD_PHYS = ((64'd1 << 52) - 64'd1) & ~PHYS_MASK;
    localparam logic [63:0] FRAME_4K = PHYS_MASK & ~64'hfff;
    localparam logic [63:0] RSVD_2M_LOW = 64'h0000_0000_001f_e000;  // 20:13 of a 2 MiB leaf
    localparam logic [63:0] RSVD_1G_LOW = 64'h0000_0000_3fff_e000;  // 29:13 of a 1 GiB leaf

    localparam int LIMIT_W = $clog2(RESTART_LIMIT + 1);
    localparam logic [LIMIT_W-1:0] LAST_ATTEMPT = LIMIT_W'(RESTART_LIMIT - 1);

    typedef enum logic [2:0] {
        S_IDLE,       // waiting for a request
        S_READ,       // read request presented
        S_READ_WAIT,  // waiting for the entry
        S_CHECK,      // present, reserved bits, rights; A/D to set?
        S_CAS,        // compare-and-set request presented
        S_CAS_WAIT,   // waiting for the value found
        S_ADVANCE,    // descend to the next table, or finish on a leaf
        S_DONE        // result presented
    } state_t;

    state_t state;

    // The request and the control state it was accepted with.
    logic [63:0] va;
    logic [1:0]  acc_type;
    logic        acc_user;
    logic        acc_implicit;
    logic        ctl_wp, ctl_smep, ctl_smap, ctl_pke, ctl_pge, ctl_nxe, ctl_ac;
    logic [31:0] ctl_pkru;
    // Where the walk starts (again, after a lost compare-and-set).
    logic [2:0]  start_level;
    logic [63:0] start_table;
    logic        start_w, start_u, start_nx;
    logic [LIMIT_W-1:0] attempt;
    // The walk in progress.
    logic [2:0]  level;
    logic [63:0] table_pa;
    logic [63:0] slot;       // address of the entry of this level (table + 8 * index)
    logic [63:0] entry;
    logic [63:0] set_bits;   // A/D bits the compare-and-set adds
    logic        rights_w, rights_u, rights_nx;

    // ------------------------------------------------------------------
    // Decode of the request.

    logic [2:0]  top_level;
    logic        canonical;
    logic [8:0]  index_of_level;
    assign slot = table_pa + {52'd0, index_of_level, 3'b000};
    assign top_level = la57 ? 3'd5 : 3'd4;
    // Bits 63:47 (63:56 with LA57) all equal.
    assign canonical = la57 ? (req_va[63:56] == {8{req_va[56]}}) : (req_va[63:47] == {17{req_va[47]}});

    always_comb begin
        unique case (level)
            3'd1: index_of_level = va[20:12];
            3'd2: index_of_level = va[29:21];
            3'd3: index_of_level = va[38:30];
            3'd4: index_of_level = va[47:39];
            default: index_of_level = va[56:48];
        endcase
    end

    // ------------------------------------------------------------------
    // Decode of the entry just read (valid in S_CHECK).

    logic        leaf;
    logic        large_leaf;
    logic [63:0] reserved_mask;
    logic        reserved;
    logic        next_w, next_u, next_nx;
    logic [3:0]  entry_pkey;
    logic        access_write, access_fetch, supervisor;
    logic [5:0]  access_bits;   // W, U/S, I/D of the access itself
    logic        allowed;
    logic        key_violation;
    logic        smap_blocks;
    logic [1:0]  pkru_bits;
    logic [5:0]  permission_code;
    logic [63:0] wanted_bits;

    assign leaf = (level == 3'd1) || (level <= 3'd3 && entry[PS]);
    assign large_leaf = leaf && level != 3'd1;

    always_comb begin
        reserved_mask = RSVD_PHYS;
        if (!ctl_nxe) reserved_mask[XD] = 1'b1;
        if (level >= 3'd4) reserved_mask[PS] = 1'b1;  // no PS=1 in a PML4E or PML5E
        if (large_leaf && level == 3'd3) begin
            reserved_mask = reserved_mask | RSVD_1G_LOW;
            if (GB_PAGES == 0) reserved_mask[PS] = 1'b1;
        end
        if (large_leaf && level == 3'd2) reserved_mask = reserved_mask | RSVD_2M_LOW;
    end
    assign reserved = |(entry & reserved_mask);

    assign next_w = rights_w & entry[RW];
    assign next_u = rights_u & entry[US];
    assign next_nx = rights_nx | entry[XD];
    assign entry_pkey = entry[62:59];

    assign access_write = acc_type == TYPE_WRITE;
    assign access_fetch = acc_type == TYPE_FETCH;
    assign supervisor = acc_implicit || !acc_user;
    // {PK, I/D, RSVD, U/S, W/R, P}
    assign access_bits = {1'b0, access_fetch && (ctl_nxe || ctl_smep), 1'b0, !supervisor, access_write, 1'b0};

    // SDM 4.6.1: a supervisor data access to a user page is blocked by SMAP
    // unless it is explicit and EFLAGS.AC=1.
`ifdef PLANT_FAULT_SMAP_AC
    assign smap_blocks = next_u && ctl_smap;  // planted fault: EFLAGS.AC ignored
`else
    assign smap_blocks = next_u && ctl_smap && (acc_implicit || !ctl_ac);
`endif

    always_comb begin
        if (access_fetch) begin
            allowed = !(ctl_nxe && next_nx) && (supervisor ? !(next_u && ctl_smep) : next_u);
        end else if (access_write) begin
            allowed = supervisor ? (!smap_blocks && !(ctl_wp && !next_w)) : (next_u && next_w);
        end else begin
            allowed = supervisor ? !smap_blocks : next_u;
        end
    end

    // SDM 4.6.2: protection keys apply to data accesses to user pages.
    assign pkru_bits = ctl_pkru[{entry_pkey, 1'b0} +: 2];  // {WD, AD}
    assign key_violation = ctl_pke && next_u && !access_fetch &&
                           (pkru_bits[0] || (pkru_bits[1] && access_write && (!supervisor || ctl_wp)));
    assign permission_code = (allowed && !key_violation) ? 6'd0 : ({key_violation, 5'b0} | access_bits | 6'b000001);

    // A leaf gets A, and D on a write; a non-leaf entry gets A.
    always_comb begin
        wanted_bits = 64'd0;
        wanted_bits[A] = 1'b1;
        wanted_bits[D] = leaf && access_write;
    end

    // ------------------------------------------------------------------
    // The state machine.

    task automatic finish_fault(input logic [1:0] kind, input logic [5:0] code, input logic [63:0] address);
        res_fault <= kind;
        res_error_code <= code;
        res_fault_addr <= address;
        state <= S_DONE;
    endtask

    always_ff @(posedge clk) begin
        if (rst) begin
            state <= S_IDLE;
            va <= '0;
            acc_type <= '0;
            acc_user <= 1'b0;
            acc_implicit <= 1'b0;
            {ctl_wp, ctl_smep, ctl_smap, ctl_pke, ctl_pge, ctl_nxe, ctl_ac} <= '0;
            ctl_pkru <= '0;
            start_level <= '0;
            start_table <= '0;
            {start_w, start_u, start_nx} <= '0;
            attempt <= '0;
            level <= '0;
            table_pa <= '0;
            entry <= '0;
            set_bits <= '0;
            {rights_w, rights_u, rights_nx} <= '0;
            res_fault <= FAULT_NONE;
            res_error_code <= '0;
            res_fault_addr <= '0;
            res_pa <= '0;
            res_size <= '0;
            {res_w, res_u, res_nx, res_global, res_dirty} <= '0;
            res_pkey <= '0;
        end else begin
            unique case (state)
                S_IDLE: if (req_valid) begin
                    va <= req_va;
                    acc_type <= req_type;
                    acc_user <= req_user;
                    acc_implicit <= req_implicit;
                    {ctl_wp, ctl_smep, ctl_smap, ctl_pke, ctl_pge, ctl_nxe, ctl_ac} <=
                        {cr0_wp, cr4_smep, cr4_smap, cr4_pke, cr4_pge, efer_nxe, eflags_ac};
                    ctl_pkru <= pkru;
                    attempt <= '0;
                    res_fault <= FAULT_NONE;
                    res_error_code <= '0;
                    res_fault_addr <= '0;
                    res_pa <= '0;
                    res_size <= '0;
                    {res_w, res_u, res_nx, res_global, res_dirty} <= '0;
                    res_pkey <= '0;
                    if (!canonical) begin
                        finish_fault(FAULT_GP, 6'd0, 64'd0);
                    end else if (req_start_valid) begin
                        start_level <= req_start_level;
                        start_table <= req_start_table;
                        {start_w, start_u, start_nx} <= {req_start_w, req_start_u, req_start_nx};
                        level <= req_start_level;
                        table_pa <= req_start_table;
                        {rights_w, rights_u, rights_nx} <= {req_start_w, req_start_u, req_start_nx};
                        state <= S_READ;
                    end else begin
                        start_level <= top_level;
                        start_table <= cr3 & FRAME_4K;
                        {start_w, start_u, start_nx} <= 3'b110;
                        level <= top_level;
                        table_pa <= cr3 & FRAME_4K;
                        {rights_w, rights_u, rights_nx} <= 3'b110;
                        state <= S_READ;
                    end
                end

                S_READ: if (mem_req_ready) state <= S_READ_WAIT;

                S_READ_WAIT: if (mem_resp_valid) begin
                    if (mem_resp_err) begin
                        finish_fault(FAULT_BUS, 6'd0, slot);
                    end else begin
                        entry <= mem_resp_data;
                        state <= S_CHECK;
                    end
                end

                S_CHECK: begin
                    if (!entry[P]) begin
                        finish_fault(FAULT_PF, access_bits, va);
                    end else if (reserved) begin
                        finish_fault(FAULT_PF, access_bits | 6'b001001, va);
                    end else begin
                        {rights_w, rights_u, rights_nx} <= {next_w, next_u, next_nx};
                        if (leaf) begin
                            res_size <= 2'(level - 3'd1);
                            res_pkey <= entry_pkey;
                            res_global <= entry[G] && ctl_pge;
                        end
                        if (leaf && permission_code != 6'd0) begin
                            finish_fault(FAULT_PF, permission_code, va);
                        end else if ((wanted_bits & ~entry) != 64'd0) begin
                            set_bits <= wanted_bits & ~entry;
                            state <= S_CAS;
                        end else begin
                            state <= S_ADVANCE;
                        end
                    end
                end

                S_CAS: if (mem_req_ready) state <= S_CAS_WAIT;

                S_CAS_WAIT: if (mem_resp_valid) begin
                    if (mem_resp_err) begin
                        finish_fault(FAULT_BUS, 6'd0, slot);
                    end else if (mem_resp_data != entry) begin
                        // Another processor changed the entry: walk again, or give up.
                        if (attempt == LAST_ATTEMPT) begin
                            finish_fault(FAULT_BUS, 6'd0, start_table);
                        end else begin
                            attempt <= attempt + 1'b1;
                            level <= start_level;
                            table_pa <= start_table;
                            {rights_w, rights_u, rights_nx} <= {start_w, start_u, start_nx};
                            state <= S_READ;
                        end
                    end else begin
                        entry <= entry | set_bits;
                        state <= S_ADVANCE;
                    end
                end

                S_ADVANCE: begin
                    if (!leaf) begin
                        table_pa <= entry & FRAME_4K;
                        level <= level - 3'd1;
                        state <= S_READ;
                    end else begin
                        unique case (level)
                            3'd1: res_pa <= (entry & FRAME_4K) | {52'd0, va[11:0]};
                            3'd2: res_pa <= (entry & PHYS_MASK & ~64'h1f_ffff) | {43'd0, va[20:0]};
                            default: res_pa <= (entry & PHYS_MASK & ~64'h3fff_ffff) | {34'd0, va[29:0]};
                        endcase
                        {res_w, res_u, res_nx} <= {rights_w, rights_u, rights_nx};
                        res_dirty <= entry[D];
                        state <= S_DONE;
                    end
                end

                S_DONE: if (res_ready) state <= S_IDLE;

                default: state <= S_IDLE;
            endcase
        end
    end

    assign req_ready = state == S_IDLE;
    assign res_valid = state == S_DONE;
    assign mem_req_valid = state == S_READ || state == S_CAS;
    assign mem_req_cas = state == S_CAS;
    assign mem_req_addr = slot;
    assign mem_req_cmp = entry;
    assign mem_req_wdata = entry | set_bits;

    // CR3 bits 11:0 (PCID or PWT/PCD) and those above MAXPHYADDR do not
    // address the root table; the walk start is checked elsewhere.
    logic unused_inputs;
`ifdef PLANT_FAULT_SMAP_AC
    assign unused_inputs = ^{cr3 & ~FRAME_4K, ctl_ac};
`else
    assign unused_inputs = ^{cr3 & ~FRAME_4K};
`endif

endmodule
