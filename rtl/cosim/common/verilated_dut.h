// Clocking and waveform dumping of a Verilated block (plain C++ model, not
// --sc: faster when driven from an SC thread). Every block here has clk and a
// synchronous active-high rst; inputs set before cycle() are taken at its
// rising edge and registered outputs are valid when it returns.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "verilated.h"
#include "verilated_vcd_c.h"

namespace tlmmu::cosim {

template <class Model>
class VerilatedDut {
 public:
    // `traceable`: the model may dump a waveform later (costs a little speed).
    explicit VerilatedDut(bool traceable) : m_context(std::make_unique<VerilatedContext>()) {
        m_context->traceEverOn(traceable);
        m_model = std::make_unique<Model>(m_context.get(), "dut");
        m_model->clk = 0;
        m_model->rst = 0;
        m_model->eval();
    }
    ~VerilatedDut() {
        if (m_trace) m_trace->close();
        m_model->final();
    }

    Model& io() { return *m_model; }

    void cycle() {
        m_model->clk = 1;
        m_model->eval();
        dump();
        m_model->clk = 0;
        m_model->eval();
        dump();
    }
    void reset() {
        m_model->rst = 1;
        cycle();
        m_model->rst = 0;
    }

    // Dumps every following cycle to `path` (written as path.part, renamed by
    // stop_trace so that an interrupted run leaves no file that looks complete).
    void start_trace(const std::string& path) {
        const std::filesystem::path parent = std::filesystem::path(path).parent_path();
        std::error_code ignored;  // a failure shows when the file cannot be opened
        if (!parent.empty()) std::filesystem::create_directories(parent, ignored);
        m_trace = std::make_unique<VerilatedVcdC>();
        m_model->trace(m_trace.get(), 99);
        m_path = path;
        m_trace->open((path + ".part").c_str());
        if (!m_trace->isOpen()) throw std::runtime_error(path + ".part: cannot open for writing");
    }
    void stop_trace() {
        if (!m_trace) return;
        m_trace->close();
        m_trace.reset();
        if (std::rename((m_path + ".part").c_str(), m_path.c_str()) != 0)
            throw std::runtime_error(m_path + ": cannot rename " + m_path + ".part");
    }

 private:
    void dump() {
        m_context->timeInc(1);
        if (m_trace) m_trace->dump(m_context->time());
    }

    std::unique_ptr<VerilatedContext> m_context;
    std::unique_ptr<Model> m_model;
    std::unique_ptr<VerilatedVcdC> m_trace;
    std::string m_path;
};

}  // namespace tlmmu::cosim
