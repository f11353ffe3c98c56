// Replacement state of a set-associative array, one touch per cycle.
//   POLICY_PLRU: tree pseudo-LRU. Node bits in heap order from bit 1; a touch
//     points every node on the way's path away from it, the victim follows the
//     bits (1 = right half). Identical to models/tlmmu/core/replacement.cpp.
//   POLICY_LRU: true LRU kept as age ranks (0 = most recent, WAYS-1 = victim).
//     Every valid way has been touched by its fill, so with all ways valid the
//     oldest rank is the way with the smallest last-use stamp in the model.
// Invalid ways are filled first by the array itself; this only chooses among
// valid ways. WAYS must be a power of two >= 2.
module tlmmu_replacement #(
    parameter int SETS   = 1,
    parameter int WAYS   = 4,
    parameter int POLICY = tlmmu_pkg::POLICY_PLRU,
    localparam int SET_W = (SETS > 1) ? $clog2(SETS) : 1,
    localparam int WAY_W = $clog2(WAYS)
) (
    input  logic             clk,
    input  logic             rst,
    input  logic             touch_valid,
    input  logic [SET_W-1:0] touch_set,
    input  logic [WAY_W-1:0] touch_way,
    input  logic [SET_W-1:0] victim_set,
    output logic [WAY_W-1:0] victim_way
);

  if (POLICY == tlmmu_pkg::POLICY_PLRU) begin : g_plru
    // Bit 0 of each set's vector is never used: nodes are numbered from 1.
    logic [WAYS-1:0] tree[SETS];

    function automatic logic [WAYS-1:0] touched(logic [WAYS-1:0] bits, logic [WAY_W-1:0] way);
      logic [WAY_W-1:0] node = 1;  // the last shift drops the leading 1: node - WAYS
      for (int d = WAY_W - 1; d >= 0; d--) begin
        bits[node] = ~way[d];
        node = (node << 1) | WAY_W'(way[d]);
      end
      return bits;
    endfunction

    always_comb begin
      logic [WAY_W-1:0] node = 1;  // the last shift drops the leading 1: node - WAYS
      for (int d = 0; d < WAY_W; d++) node = (node << 1) | WAY_W'(tree[victim_set][node]);
      victim_way = node;
    end

    always_ff @(posedge clk) begin
      if (rst) begin
        for (int s = 0; s < SETS; s++) tree[s] <= '0;
      end else if (touch_valid) begin
        tree[touch_set] <= touched(tree[touch_set], touch_way);
      end
    end
  end else begin : g_lru
    logic [WAY_W-1:0] age[SETS][WAYS];

    always_comb begin
      victim_way = '0;
      for (int w = 0; w < WAYS; w++)
        if (age[victim_set][w] == WAY_W'(WAYS - 1)) victim_way = WAY_W'(w);
    end

    always_ff @(posedge clk) begin
      if (rst) begin
        for (int s = 0; s < SETS; s++)
          for (int w = 0; w < WAYS; w++) age[s][w] <= WAY_W'(w);
      end else if (touch_valid) begin
        for (int w = 0; w < WAYS; w++) begin
          if (WAY_W'(w) == touch_way) age[touch_set][w] <= '0;
          else if (age[touch_set][w] < age[touch_set][touch_way]) age[touch_set][w] <= age[touch_set][w] + 1'b1;
        end
      end
    end
  end

endmodule
