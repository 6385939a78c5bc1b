;; echo-reverse.wat: a PromiseGrid wasm/ module that calls the grid. wasm/<cid>/TEXT asks the
;; grid to complete echo/TEXT through its one import, grid.complete, and completes with the
;; answer reversed byte by byte: wasm/<cid>/hello -> olleh.
;;
;;   pgrid wasm put examples/wasm/echo-reverse.wat   # prints the module's CID
;;   pgrid complete "wasm/$CID/hello"                # olleh
;;
;; grid.complete(pointer, length) completes the sequence at that place in memory. The host
;; copies the answer into a buffer it gets from grid_alloc and returns (pointer << 32) | length,
;; or a negative value when the grid did not complete it: -1 no route, -2 denied, -3 broken
;; promise, -4 module failed, -5 too large, -6 overloaded, -7 bad request, -8 too deep. A guest
;; that returns such a value from grid_complete fails its own request with that status.
(module
  (import "grid" "complete" (func $grid_complete (param i32 i32) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "echo/")

  ;; Bump allocator, as in upper.wat: a fresh instance serves each request.
  (global $next (mut i32) (i32.const 1024))

  (func $alloc (export "grid_alloc") (param $len i32) (result i32)
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

  (func (export "grid_complete") (param $ptr i32) (param $len i32) (result i64)
    (local $question i32)
    (local $answer i64)
    (local $low i32)
    (local $high i32)
    (local $byte i32)
    ;; The question: "echo/" followed by the input.
    (local.set $question (call $alloc (i32.add (local.get $len) (i32.const 5))))
    (memory.copy (local.get $question) (i32.const 16) (i32.const 5))
    (memory.copy (i32.add (local.get $question) (i32.const 5)) (local.get $ptr) (local.get $len))
    (local.set $answer (call $grid_complete (local.get $question) (i32.add (local.get $len) (i32.const 5))))
    ;; The grid did not complete echo/...: return its negative status as this module's result,
    ;; and the host fails the request with that same status (no route, denied, ...).
    (if (i64.lt_s (local.get $answer) (i64.const 0)) (then (return (local.get $answer))))
    ;; Reverse the answer where the host put it, swapping from both ends towards the middle.
    (local.set $low (i32.wrap_i64 (i64.shr_u (local.get $answer) (i64.const 32))))
    (local.set $high
      (i32.sub (i32.add (local.get $low) (i32.wrap_i64 (local.get $answer))) (i32.const 1)))
    (block $done
      (loop $swap
        (br_if $done (i32.ge_u (local.get $low) (local.get $high)))
        (local.set $byte (i32.load8_u (local.get $low)))
        (i32.store8 (local.get $low) (i32.load8_u (local.get $high)))
        (i32.store8 (local.get $high) (local.get $byte))
        (local.set $low (i32.add (local.get $low) (i32.const 1)))
        (local.set $high (i32.sub (local.get $high) (i32.const 1)))
        (br $swap)))
    ;; The output is the answer's own buffer, now reversed.
    (local.get $answer))
)
