;; upper.wat: a PromiseGrid wasm/ module. wasm/<cid>/TEXT completes with TEXT, its ASCII
;; letters a-z upper-cased (every other byte as it is): wasm/<cid>/hello -> HELLO.
;;
;;   pgrid wasm put examples/wasm/upper.wat          # prints the module's CID
;;   pgrid complete "wasm/$CID/hello"                # HELLO
;;
;; The guest ABI (README, "WebAssembly modules"): the module exports its memory, grid_alloc and
;; grid_complete. The host asks grid_alloc for a buffer, writes the input (the bytes after
;; wasm/<cid>/) into it, calls grid_complete(pointer, length) and reads the output at the
;; (pointer << 32) | length that grid_complete returns.
(module
  (memory (export "memory") 1)

  ;; The next free byte. The host makes a fresh instance for each request, so a bump allocator
  ;; that never frees is all a module needs. The first KiB is left for data.
  (global $next (mut i32) (i32.const 1024))

  ;; A buffer of $len bytes, 8-aligned; the memory grows when it must. Traps when it cannot
  ;; (the host's memory limit), which the host reports as the module failing.
  (func (export "grid_alloc") (param $len i32) (result i32)
    (local $ptr i32)
    (local $end i32)
    (local.set $ptr (global.get $next))
    (local.set $end
      (i32.and (i32.add (i32.add (local.get $ptr) (local.get $len)) (i32.const 7)) (i32.const -8)))
    (if (i32.lt_u (local.get $end) (local.get $ptr)) (then unreachable))
    (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
      (then
        (if (i32.eq
              (memory.grow
                (i32.shr_u
                  (i32.sub (i32.add (local.get $end) (i32.const 65535)) (i32.shl (memory.size) (i32.const 16)))
                  (i32.const 16)))
              (i32.const -1))
          (then unreachable))))
    (global.set $next (local.get $end))
    (local.get $ptr))

  ;; Upper-cases the input where it lies and answers that same buffer.
  (func (export "grid_complete") (param $ptr i32) (param $len i32) (result i64)
    (local $at i32)
    (local $end i32)
    (local $byte i32)
    (local.set $at (local.get $ptr))
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $byte (i32.load8_u (local.get $at)))
        ;; 'a'..'z' is 97..122: (byte - 97) < 26 unsigned.
        (if (i32.lt_u (i32.sub (local.get $byte) (i32.const 97)) (i32.const 26))
          (then (i32.store8 (local.get $at) (i32.sub (local.get $byte) (i32.const 32)))))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (br $each)))
    ;; The output: (pointer << 32) | length.
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32))
      (i64.extend_i32_u (local.get $len))))
)
