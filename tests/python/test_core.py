"""The core model from Python: translations, their latencies, control and flush operations (SDM vol. 3A 4.10.4)."""

import random
import unittest

import tlmmu
from tlmmu import cr3, cr4, pte

CODE, DATA, OTHER = 0x400000, 0x401000, 0x7F0000000000
PRESET = pte.RW | pte.US | pte.A | pte.D  # no A/D updates on the first walk: latencies are reads only


def booted(settings=None, extra_cr4=0, global_data=False):
    system = tlmmu.System(tlmmu.config(settings))
    b = system.builder
    root = b.new_root()
    b.map(root, CODE, 0x200000, flags=PRESET, table_flags=PRESET)
    b.map(root, DATA, 0x201000, flags=PRESET | (pte.G if global_data else 0), table_flags=PRESET)
    b.map(root, OTHER, 0x202000, flags=PRESET, table_flags=PRESET)
    assert system.boot(root, extra_cr4)
    return system, root


class TranslateTest(unittest.TestCase):
    def test_latencies_follow_the_configuration(self):
        s, _ = booted()
        t = s.mmu.translate(CODE)
        self.assertTrue(t.ok)
        self.assertEqual((t.source, t.pa, t.size, t.pt_reads), ("walk", 0x200000, "4k", 4))
        self.assertEqual(t.cycles, 1 + 8 + 1 + 4 * 20)  # L1, L2, PSC lookups, four entry reads
        self.assertEqual(s.mmu.translate(CODE + 8).cycles, 1)  # L1 hit
        t = s.mmu.translate(DATA)  # same page table: the PDE cache skips three reads
        self.assertEqual((t.source, t.psc_level, t.pt_reads, t.cycles), ("walk", 2, 1, 1 + 8 + 1 + 20))

        s, _ = booted({"memory.latency": 30, "l1d.latency": 3, "l2.latency": 12})
        self.assertEqual(s.mmu.translate(CODE).cycles, 3 + 12 + 1 + 4 * 30)
        self.assertEqual(s.mmu.translate(CODE).cycles, 3)

    def test_faults(self):
        s, _ = booted()
        t = s.mmu.translate(0x900000, "write", user=True)
        self.assertFalse(t.ok)
        self.assertEqual((t.fault.kind, t.fault.address), ("pf", 0x900000))
        self.assertEqual(t.fault.error_code, tlmmu.pf.W | tlmmu.pf.U)
        t = s.mmu.translate(0x0000800000000000)  # non-canonical with 4 levels
        self.assertEqual(t.fault.kind, "gp")
        stats = s.mmu.stats()
        self.assertEqual(stats["faults"], {"gp": 1, "pf": 1, "bus": 0})
        self.assertEqual(stats["translations"], 2)

    def test_debug_translation_has_no_side_effects(self):
        s, _ = booted()
        t = s.mmu.translate_debug(CODE)
        self.assertEqual(t.pa, 0x200000)
        self.assertEqual(s.mmu.stats()["translations"], 0)
        self.assertEqual(s.mmu.translate(CODE).source, "walk")

    def test_stale_entry_until_invlpg(self):
        s, root = booted()
        self.assertTrue(s.mmu.translate(DATA, "write").ok)
        leaf = s.builder.entry_address(root, DATA, 1)
        s.builder.write(leaf, s.builder.read(leaf) & ~pte.RW)  # the OS write-protects the page
        self.assertTrue(s.mmu.translate(DATA, "write").ok)  # the TLB still holds R/W=1
        op = s.mmu.invlpg(DATA)
        self.assertEqual((op["ok"], op["cycles"]), (True, 250))
        self.assertGreaterEqual(op["dropped"], 1)
        t = s.mmu.translate(DATA, "write")
        self.assertEqual((t.fault.kind, t.fault.error_code), ("pf", tlmmu.pf.P | tlmmu.pf.W))
        self.assertEqual(s.mmu.stats()["operations"]["invlpg"]["count"], 1)


class FlushTest(unittest.TestCase):
    def test_cr3_write_keeps_global_pages(self):
        s, root = booted(extra_cr4=cr4.PGE, global_data=True)
        s.mmu.translate(CODE)
        s.mmu.translate(DATA)
        s.mmu.write_cr3(root)
        self.assertEqual(s.mmu.translate(DATA).source, "l1")  # G=1 survives MOV CR3
        self.assertEqual(s.mmu.translate(CODE).source, "walk")
        self.assertEqual(s.mmu.stats()["operations"]["mov_cr3"]["count"], 2)

    def test_pcids_and_the_noflush_hint(self):
        s, root = booted(extra_cr4=0)
        self.assertTrue(s.mmu.write_cr4(s.mmu.regs["cr4"] | cr4.PCIDE)["ok"])
        s.mmu.write_cr3(root | 1)
        self.assertEqual(s.mmu.pcid, 1)
        s.mmu.translate(CODE)
        s.mmu.write_cr3(root | 2)
        s.mmu.translate(CODE)
        s.mmu.write_cr3(root | 1 | cr3.NOFLUSH)  # back to PCID 1 keeping its entries
        self.assertEqual(s.mmu.translate(CODE).source, "l1")
        s.mmu.write_cr3(root | 2)  # without the hint the incoming PCID is flushed
        self.assertEqual(s.mmu.translate(CODE).source, "walk")

    def test_invpcid_types(self):
        s, root = booted(extra_cr4=cr4.PGE, global_data=True)
        s.mmu.write_cr4(s.mmu.regs["cr4"] | cr4.PCIDE)
        s.mmu.write_cr3(root | 5)

        def warm():
            for va in (CODE, DATA, OTHER):
                s.mmu.translate(va)

        def sources():
            return [s.mmu.translate_debug(va).ok and s.mmu.translate(va).source for va in (CODE, DATA, OTHER)]

        warm()
        self.assertTrue(s.mmu.invpcid(0, 5, CODE)["ok"])  # one address of PCID 5
        self.assertEqual(sources(), ["walk", "l1", "l1"])
        warm()
        s.mmu.invpcid(1, 5)  # PCID 5, globals kept
        self.assertEqual(sources(), ["walk", "l1", "walk"])
        warm()
        s.mmu.invpcid(3)  # every PCID, globals kept
        self.assertEqual(sources(), ["walk", "l1", "walk"])
        warm()
        s.mmu.invpcid(2)  # everything, globals too
        self.assertEqual(sources(), ["walk", "walk", "walk"])
        counts = s.mmu.stats()["tlb"]["l1d"]["invalidations"]
        self.assertGreater(counts["invpcid_all"], 0)
        self.assertGreater(counts["invpcid_single"], 0)
        for bad in (s.mmu.invpcid(4), s.mmu.invpcid(1, 1 << 12)):  # no type 4; descriptor bits 63:12 reserved
            self.assertFalse(bad["ok"])
            self.assertEqual(bad["fault"].kind, "gp")


class PageTableTest(unittest.TestCase):
    def test_large_pages_and_unmap(self):
        s = tlmmu.System(tlmmu.Config(), levels=5)
        b = s.builder
        root = b.new_root()
        b.map(root, 0x40000000, 0x40000000, size="1g")
        b.map(root, 0x200000, 0x600000, size="2m", flags=pte.RW)
        self.assertEqual((b.levels, b.leaf_level(root, 0x40001234), b.leaf_level(root, 0x3FF000)), (5, 3, 2))
        self.assertTrue(s.boot(root))
        t = s.mmu.translate(0x40001234)
        self.assertEqual((t.pa, t.size, t.pt_reads), (0x40001234, "1g", 3))
        self.assertEqual(s.mmu.translate(0x212345, user=True).fault.kind, "pf")  # U/S=0
        self.assertTrue(b.unmap(root, 0x200000))
        self.assertFalse(b.unmap(root, 0x200000))
        self.assertEqual(b.leaf_level(root, 0x200000), 0)

    def test_builder_errors(self):
        s = tlmmu.System(tlmmu.Config(), memory_bytes=64 << 20)
        b = s.builder
        root = b.new_root()
        b.map(root, 0x200000, 0x200000, size="2m")
        with self.assertRaisesRegex(ValueError, "already mapped"):
            b.map(root, 0x201000, 0x1000)
        with self.assertRaisesRegex(ValueError, "not aligned"):
            b.map(root, 0x1000, 0x1800)
        with self.assertRaisesRegex(ValueError, "outside memory"):
            b.read(1 << 40)
        with self.assertRaisesRegex(ValueError, "size"):
            b.map(root, 0x1000, 0x1000, size="3k")
        with self.assertRaisesRegex(ValueError, "level"):
            b.entry_address(root, 0x1000, 6)
        with self.assertRaisesRegex(ValueError, "level"):
            b.entry_address(root, 0x1000, 0)


class ArgumentTest(unittest.TestCase):
    def test_bad_arguments_name_the_argument(self):
        s, root = booted()
        with self.assertRaisesRegex(ValueError, "^va: -1 is negative"):
            s.mmu.translate(-1)
        with self.assertRaisesRegex(ValueError, "^va: .* does not fit in 64 bits"):
            s.mmu.translate(1 << 64)
        with self.assertRaisesRegex(TypeError, "^va: expected an integer"):
            s.mmu.translate("0x1000")
        with self.assertRaisesRegex(TypeError, "^va: expected an integer"):
            s.mmu.translate(4096.0)
        with self.assertRaisesRegex(ValueError, "^type: "):
            s.mmu.translate(CODE, "execute")
        with self.assertRaisesRegex(ValueError, "^value: .* out of range"):
            s.mmu.write_pkru(1 << 32)
        with self.assertRaisesRegex(ValueError, "^levels: "):
            tlmmu.System(tlmmu.Config(), levels=3)
        with self.assertRaisesRegex(ValueError, "^memory_bytes: "):
            tlmmu.System(tlmmu.Config(), memory_bytes=4096)
        with self.assertRaisesRegex(TypeError, "^config: "):
            tlmmu.System("skylake")
        with self.assertRaisesRegex(TypeError, "^type: expected a str"):
            s.mmu.translate(CODE, 2)
        with self.assertRaisesRegex(TypeError, "^size: expected a str"):
            s.builder.map(root, 0x1000, 0x1000, size=4096)
        with self.assertRaisesRegex(TypeError, "^path: "):
            tlmmu.Config().load(None)
        self.assertEqual(s.mmu.translate(CODE).pa, 0x200000)  # still usable afterwards

    def test_the_system_outlives_python_references(self):
        mmu = tlmmu.System(tlmmu.Config()).mmu  # the System is kept alive by its Mmu
        self.assertFalse(mmu.translate(0x1000).ok is None)
        self.assertEqual(mmu.translate(0x1000).source, "none")  # paging off: identity


class RandomOperationsTest(unittest.TestCase):
    def test_random_operations_never_crash(self):
        """Any value of any argument: a result, a fault or a ValueError, never a crash or another exception."""
        rng = random.Random(5)

        def value():
            return rng.choice([0, 1, rng.getrandbits(12), rng.getrandbits(32), rng.getrandbits(48),
                               rng.getrandbits(64), 1 << 63 | rng.getrandbits(12), rng.getrandbits(40) << 12])

        for _ in range(8):
            s = tlmmu.System(tlmmu.config({"maxphyaddr": rng.choice([36, 46, 52])}), levels=rng.choice([4, 5]),
                             memory_bytes=rng.choice([1 << 22, 1 << 30, 1 << 40]))
            b, m = s.builder, s.mmu
            roots = [b.new_root() for _ in range(3)]
            operations = [
                lambda: b.map(rng.choice(roots), value() & ~0xFFF, value() & ~0xFFF, rng.choice(["4k", "2m", "1g"]),
                              value(), value()),
                lambda: b.write(value() & ~7, value()),
                lambda: b.unmap(rng.choice(roots), value()),
                lambda: b.entry_address(rng.choice(roots), value(), rng.randrange(1, b.levels + 1)),
                lambda: m.write_cr3(rng.choice(roots) | rng.getrandbits(12) | rng.getrandbits(1) << 63),
                lambda: m.write_cr4(value()),
                lambda: m.write_cr0(value()),
                lambda: m.write_efer(value()),
                lambda: m.write_pkru(rng.getrandbits(32)),
                lambda: m.set_ac(bool(rng.getrandbits(1))),
                lambda: m.invlpg(value()),
                lambda: m.invpcid(rng.randrange(6), value(), value()),
                lambda: s.boot(rng.choice(roots), value()),
                lambda: m.translate_debug(value(), rng.choice(["read", "write", "fetch"]), bool(rng.getrandbits(1))),
                lambda: m.translate(value(), rng.choice(["read", "write", "fetch"]), bool(rng.getrandbits(1)),
                                    bool(rng.getrandbits(1))),
            ]
            for _ in range(3000):
                try:
                    rng.choice(operations)()
                except ValueError:
                    pass
            stats = m.stats()
            self.assertGreater(stats["translations"], 0)


if __name__ == "__main__":
    unittest.main()
