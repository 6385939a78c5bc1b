using Wasmtime;

namespace PromiseGrid.Modules.Tests.Wasm;

/// <summary>The guests the wasm tests run, written in WebAssembly text and converted with Wasmtime.</summary>
public static class WatGuests
{
    /// <summary>A bump allocator: grid_alloc hands out fresh bytes from 1024 on, growing memory as needed.</summary>
    private const string Allocator = """
        (global $next (mut i32) (i32.const 1024))
        (func $alloc (export "grid_alloc") (param $len i32) (result i32)
          (local $at i32) (local $end i32) (local $have i32)
          (local.set $at (global.get $next))
          (local.set $end (i32.add (local.get $at) (local.get $len)))
          (global.set $next (local.get $end))
          (local.set $have (i32.shl (memory.size) (i32.const 16)))
          (if (i32.gt_u (local.get $end) (local.get $have))
            (then (if (i32.eq (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end) (local.get $have)) (i32.const 16)) (i32.const 1)))
                              (i32.const -1))
                    (then (return (i32.const -1))))))
          (local.get $at))
        """;

    private const string Pack = """
        (func $pack (param $ptr i32) (param $len i32) (result i64)
          (i64.or (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32)) (i64.extend_i32_u (local.get $len))))
        """;

    private const string Import = """(import "grid" "complete" (func $complete (param i32 i32) (result i64)))""";

    /// <summary>Upper-cases ASCII letters of its input, in place.</summary>
    public const string Upper = $$"""
        (module
          (memory (export "memory") 1)
          {{Allocator}}
          {{Pack}}
          (func (export "grid_complete") (param $ptr i32) (param $len i32) (result i64)
            (local $i i32) (local $c i32)
            (block $done
              (loop $next
                (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
                (local.set $c (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
                (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
                  (then (i32.store8 (i32.add (local.get $ptr) (local.get $i)) (i32.sub (local.get $c) (i32.const 32)))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $next)))
            (call $pack (local.get $ptr) (local.get $len))))
        """;

    /// <summary>Completes echo/ + its input through grid.complete and returns the completion reversed.</summary>
    public const string EchoReversed = $$"""
        (module
          {{Import}}
          (memory (export "memory") 1)
          (data (i32.const 16) "echo/")
          {{Allocator}}
          {{Pack}}
          (func (export "grid_complete") (param $ptr i32) (param $len i32) (result i64)
            (local $request i32) (local $result i64) (local $out i32) (local $n i32) (local $i i32) (local $j i32) (local $c i32)
            (local.set $request (call $alloc (i32.add (local.get $len) (i32.const 5))))
            (memory.copy (local.get $request) (i32.const 16) (i32.const 5))
            (memory.copy (i32.add (local.get $request) (i32.const 5)) (local.get $ptr) (local.get $len))
            (local.set $result (call $complete (local.get $request) (i32.add (local.get $len) (i32.const 5))))
            (if (i64.lt_s (local.get $result) (i64.const 0)) (then (return (local.get $result))))
            (local.set $out (i32.wrap_i64 (i64.shr_u (local.get $result) (i64.const 32))))
            (local.set $n (i32.wrap_i64 (local.get $result)))
            (local.set $j (i32.sub (local.get $n) (i32.const 1)))
            (block $done
              (loop $swap
                (br_if $done (i32.ge_s (local.get $i) (local.get $j)))
                (local.set $c (i32.load8_u (i32.add (local.get $out) (local.get $i))))
                (i32.store8 (i32.add (local.get $out) (local.get $i)) (i32.load8_u (i32.add (local.get $out) (local.get $j))))
                (i32.store8 (i32.add (local.get $out) (local.get $j)) (local.get $c))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (local.set $j (i32.sub (local.get $j) (i32.const 1)))
                (br $swap)))
            (local.get $result)))
        """;

    /// <summary>Completes its input as a sequence through grid.complete and returns what came back (or its failure code).</summary>
    public const string Forward = $$"""
        (module
          {{Import}}
          (memory (export "memory") 1)
          {{Allocator}}
          (func (export "grid_complete") (param $ptr i32) (param $len i32) (result i64)
            (call $complete (local.get $ptr) (local.get $len))))
        """;

    /// <summary>
    /// Completes its input twice over: asked wasm/&lt;self&gt;/ + "wasm/&lt;self&gt;/", it asks the same again,
    /// for ever. Passes a failure of grid.complete on as its own result.
    /// </summary>
    public const string CallsItself = $$"""
        (module
          {{Import}}
          (memory (export "memory") 1)
          {{Allocator}}
          (func (export "grid_complete") (param $ptr i32) (param $len i32) (result i64)
            (local $request i32)
            (local.set $request (call $alloc (i32.mul (local.get $len) (i32.const 2))))
            (memory.copy (local.get $request) (local.get $ptr) (local.get $len))
            (memory.copy (i32.add (local.get $request) (local.get $len)) (local.get $ptr) (local.get $len))
            (call $complete (local.get $request) (i32.mul (local.get $len) (i32.const 2)))))
        """;

    /// <summary>
    /// Reports what an earlier request could have left behind, then leaves its own traces: five
    /// bytes, '0' + the byte at 0 (the first, kept-resident page), '0' + the byte at 70000 (the
    /// second page, decommitted between instances), '0' + a mutable global, the byte at 8 (its
    /// data segment, "init", from the copy-on-write memory image) and '0' + its memory size in
    /// pages. Then it increments the three counters, overwrites the data and grows its memory.
    /// A fresh instance per request always answers "000i2".
    /// </summary>
    public const string Leaky = $$"""
        (module
          (memory (export "memory") 2)
          (data (i32.const 8) "init")
          (global $count (mut i32) (i32.const 0))
          {{Allocator}}
          {{Pack}}
          (func (export "grid_complete") (param i32 i32) (result i64)
            (local $out i32)
            (local.set $out (call $alloc (i32.const 5)))
            (i32.store8 (local.get $out) (i32.add (i32.load8_u (i32.const 0)) (i32.const 48)))
            (i32.store8 (i32.add (local.get $out) (i32.const 1)) (i32.add (i32.load8_u (i32.const 70000)) (i32.const 48)))
            (i32.store8 (i32.add (local.get $out) (i32.const 2)) (i32.add (global.get $count) (i32.const 48)))
            (i32.store8 (i32.add (local.get $out) (i32.const 3)) (i32.load8_u (i32.const 8)))
            (i32.store8 (i32.add (local.get $out) (i32.const 4)) (i32.add (memory.size) (i32.const 48)))
            (i32.store8 (i32.const 0) (i32.add (i32.load8_u (i32.const 0)) (i32.const 1)))
            (i32.store8 (i32.const 70000) (i32.add (i32.load8_u (i32.const 70000)) (i32.const 1)))
            (global.set $count (i32.add (global.get $count) (i32.const 1)))
            (i32.store8 (i32.const 8) (i32.const 88))
            (drop (memory.grow (i32.const 1)))
            (call $pack (local.get $out) (i32.const 5))))
        """;

    /// <summary>Loops for ever.</summary>
    public const string EndlessLoop = $$"""
        (module
          (memory (export "memory") 1)
          {{Allocator}}
          (func (export "grid_complete") (param i32 i32) (result i64)
            (loop $spin (br $spin))
            (i64.const 0)))
        """;

    /// <summary>Counts to 300,000 (about a million units of fuel, more than inline-fuel's default), then returns its input.</summary>
    public const string CountsThenEchoes = $$"""
        (module
          (memory (export "memory") 1)
          {{Allocator}}
          {{Pack}}
          (func (export "grid_complete") (param $ptr i32) (param $len i32) (result i64)
            (local $i i32)
            (loop $count
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $count (i32.lt_u (local.get $i) (i32.const 300000))))
            (call $pack (local.get $ptr) (local.get $len))))
        """;

    /// <summary>Grows its memory a page at a time until refused, then traps.</summary>
    public const string MemoryBomb = $$"""
        (module
          (memory (export "memory") 1)
          {{Allocator}}
          (func (export "grid_complete") (param i32 i32) (result i64)
            (loop $grow (br_if $grow (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
            unreachable))
        """;

    /// <summary>Traps at once.</summary>
    public const string Unreachable = $$"""
        (module
          (memory (export "memory") 1)
          {{Allocator}}
          (func (export "grid_complete") (param i32 i32) (result i64) unreachable))
        """;

    /// <summary>Returns 16 bytes at 0x7fff0000, far outside its one page of memory.</summary>
    public const string OutputOutsideMemory = $$"""
        (module
          (memory (export "memory") 1)
          {{Allocator}}
          {{Pack}}
          (func (export "grid_complete") (param i32 i32) (result i64)
            (call $pack (i32.const 0x7fff0000) (i32.const 16))))
        """;

    /// <summary>Returns as many bytes as it was given plus 5000 (its memory holds them): too large for a small max-output-bytes.</summary>
    public const string Large = $$"""
        (module
          (memory (export "memory") 1)
          {{Allocator}}
          {{Pack}}
          (func (export "grid_complete") (param $ptr i32) (param $len i32) (result i64)
            (call $pack (i32.const 0) (i32.add (local.get $len) (i32.const 5000)))))
        """;

    /// <summary>Returns -7: the guest fails its request as BadRequest.</summary>
    public const string RefusesAsBadRequest = $$"""
        (module
          (memory (export "memory") 1)
          {{Allocator}}
          (func (export "grid_complete") (param i32 i32) (result i64) (i64.const -7)))
        """;

    /// <summary>Exports memory only: no grid_alloc, no grid_complete.</summary>
    public const string MissingExports = """(module (memory (export "memory") 1))""";

    /// <summary>A complete guest that also imports env.clock, which the grid does not offer.</summary>
    public const string ForeignImport = $$"""
        (module
          (import "env" "clock" (func $clock (result i64)))
          (memory (export "memory") 1)
          {{Allocator}}
          (func (export "grid_complete") (param i32 i32) (result i64) (call $clock)))
        """;

    public static byte[] Bytes(string wat) => Module.ConvertText(wat);
}
