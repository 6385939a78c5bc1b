// A PromiseGrid wasm/ module in AssemblyScript.
//
// wasm/<cid>/TEXT completes with "TEXT (N bytes) sha256 <hex>": the module asks the grid for
// hash/sha256/TEXT through its one import, grid.complete, and wraps the answer in a line of text.
//
// The guest ABI (README, "WebAssembly modules"):
//   export memory                                  AssemblyScript exports its memory as "memory"
//   export grid_alloc(len: i32) -> i32             a buffer the host writes the input (or an answer) into
//   export grid_complete(ptr: i32, len: i32) -> i64    the output, packed as (pointer << 32) | length
//   import grid.complete(ptr: i32, len: i32) -> i64    completes a sequence through the grid: the answer
//                                                      packed the same way, or -(status) when it failed
// A negative result from grid_complete fails the request with that status.
//
// Built with --runtime stub (a bump allocator that never frees: the host makes a fresh instance for
// every request, so nothing needs freeing) and --use abort= (a failed assertion traps instead of
// importing env.abort), so grid.complete is the module's only import.

@external("grid", "complete")
declare function gridComplete(ptr: usize, len: usize): i64;

/** The host asks for a buffer of len bytes and writes the input (or a grid answer) into it. */
export function grid_alloc(len: i32): i32 {
  return <i32>heap.alloc(<usize>len);
}

/** input: the bytes after wasm/<cid>/; returns where the output is, as (pointer << 32) | length. */
export function grid_complete(ptr: i32, len: i32): i64 {
  const text = String.UTF8.decodeUnsafe(<usize>ptr, <usize>len);

  const question = String.UTF8.encode("hash/sha256/" + text);
  const answer = gridComplete(changetype<usize>(question), <usize>question.byteLength);

  // Negative: the grid did not complete it (-1 no route, -2 denied, -3 broken promise, -4 module
  // failed, -5 too large, -6 overloaded, -7 bad request, -8 too deep). Returned as this module's
  // result, it fails the request with that same status.
  if (answer < 0) return answer;

  const digest = String.UTF8.decodeUnsafe(<usize>(answer >>> 32), <usize>(answer & 0xffffffff));
  return pack(String.UTF8.encode(text + " (" + len.toString() + " bytes) sha256 " + digest));
}

/** An output buffer as the host reads it: pointer in the high 32 bits, length in the low 32. */
function pack(output: ArrayBuffer): i64 {
  return (<i64>changetype<usize>(output) << 32) | <i64>output.byteLength;
}
