;; The ORT trainer's fused optimizer update (update.ts updateParam) in WebAssembly SIMD: four
;; float32 lanes per instruction instead of JavaScript's scalar doubles (Adam's square root and
;; divide dominate: ~15 ms of CPU per 4x1024 step in JavaScript). Same rules, same order of
;; operations as updateParam, in float32 (as tfjs's optimizers compute), so results differ from the
;; JavaScript loop only by float32 rounding. Pointers are byte offsets into the exported memory,
;; n counts floats; `avg` = 0 means no weight average (avg = keep avg + take w, after the update).
(module
  (memory (export "memory") 1)

  ;; Adam with scaled moments: M = b1 M + g; V = b2 V + g^2; w += step M / (sqrt(V) + eps).
  (func (export "adam")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32) (param $avg i32) (param $n i32)
    (param $b1 f32) (param $b2 f32) (param $eps f32) (param $step f32) (param $keep f32) (param $take f32)
    (local $o i32) (local $end i32) (local $tail i32)
    (local $gi v128) (local $mi v128) (local $vi v128) (local $wi v128)
    (local $B1 v128) (local $B2 v128) (local $E v128) (local $S v128) (local $K v128) (local $T v128)
    (local $gs f32) (local $ms f32) (local $vs f32) (local $ws f32)
    (local.set $B1 (f32x4.splat (local.get $b1)))
    (local.set $B2 (f32x4.splat (local.get $b2)))
    (local.set $E (f32x4.splat (local.get $eps)))
    (local.set $S (f32x4.splat (local.get $step)))
    (local.set $K (f32x4.splat (local.get $keep)))
    (local.set $T (f32x4.splat (local.get $take)))
    (local.set $tail (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done4
      (br_if $done4 (i32.eqz (local.get $tail)))
      (loop $l4
        (local.set $gi (v128.load (i32.add (local.get $g) (local.get $o))))
        (local.set $mi (f32x4.add (f32x4.mul (local.get $B1) (v128.load (i32.add (local.get $m) (local.get $o)))) (local.get $gi)))
        (local.set $vi (f32x4.add (f32x4.mul (local.get $B2) (v128.load (i32.add (local.get $v) (local.get $o)))) (f32x4.mul (local.get $gi) (local.get $gi))))
        (v128.store (i32.add (local.get $m) (local.get $o)) (local.get $mi))
        (v128.store (i32.add (local.get $v) (local.get $o)) (local.get $vi))
        (local.set $wi (f32x4.add (v128.load (i32.add (local.get $w) (local.get $o)))
          (f32x4.mul (local.get $S) (f32x4.div (local.get $mi) (f32x4.add (f32x4.sqrt (local.get $vi)) (local.get $E))))))
        (v128.store (i32.add (local.get $w) (local.get $o)) (local.get $wi))
        (if (local.get $avg)
          (then (v128.store (i32.add (local.get $avg) (local.get $o))
            (f32x4.add (f32x4.mul (local.get $K) (v128.load (i32.add (local.get $avg) (local.get $o)))) (f32x4.mul (local.get $T) (local.get $wi))))))
        (br_if $l4 (i32.lt_u (local.tee $o (i32.add (local.get $o) (i32.const 16))) (local.get $tail)))))
    (block $done1
      (br_if $done1 (i32.ge_u (local.get $o) (local.get $end)))
      (loop $l1
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $o))))
        (local.set $ms (f32.add (f32.mul (local.get $b1) (f32.load (i32.add (local.get $m) (local.get $o)))) (local.get $gs)))
        (local.set $vs (f32.add (f32.mul (local.get $b2) (f32.load (i32.add (local.get $v) (local.get $o)))) (f32.mul (local.get $gs) (local.get $gs))))
        (f32.store (i32.add (local.get $m) (local.get $o)) (local.get $ms))
        (f32.store (i32.add (local.get $v) (local.get $o)) (local.get $vs))
        (local.set $ws (f32.add (f32.load (i32.add (local.get $w) (local.get $o)))
          (f32.mul (local.get $step) (f32.div (local.get $ms) (f32.add (f32.sqrt (local.get $vs)) (local.get $eps))))))
        (f32.store (i32.add (local.get $w) (local.get $o)) (local.get $ws))
        (if (local.get $avg)
          (then (f32.store (i32.add (local.get $avg) (local.get $o))
            (f32.add (f32.mul (local.get $keep) (f32.load (i32.add (local.get $avg) (local.get $o)))) (f32.mul (local.get $take) (local.get $ws))))))
        (br_if $l1 (i32.lt_u (local.tee $o (i32.add (local.get $o) (i32.const 4))) (local.get $end))))))

  ;; Classic momentum: vel = mom vel + step g; w += vel. `vel` = 0: plain SGD, w += step g.
  (func (export "momentum")
    (param $w i32) (param $g i32) (param $vel i32) (param $avg i32) (param $n i32)
    (param $mom f32) (param $step f32) (param $keep f32) (param $take f32)
    (local $o i32) (local $end i32) (local $tail i32)
    (local $di v128) (local $wi v128) (local $M v128) (local $S v128) (local $K v128) (local $T v128)
    (local $ds f32) (local $ws f32)
    (local.set $M (f32x4.splat (local.get $mom)))
    (local.set $S (f32x4.splat (local.get $step)))
    (local.set $K (f32x4.splat (local.get $keep)))
    (local.set $T (f32x4.splat (local.get $take)))
    (local.set $tail (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done4
      (br_if $done4 (i32.eqz (local.get $tail)))
      (loop $l4
        (local.set $di (f32x4.mul (local.get $S) (v128.load (i32.add (local.get $g) (local.get $o)))))
        (if (local.get $vel)
          (then
            (local.set $di (f32x4.add (f32x4.mul (local.get $M) (v128.load (i32.add (local.get $vel) (local.get $o)))) (local.get $di)))
            (v128.store (i32.add (local.get $vel) (local.get $o)) (local.get $di))))
        (local.set $wi (f32x4.add (v128.load (i32.add (local.get $w) (local.get $o))) (local.get $di)))
        (v128.store (i32.add (local.get $w) (local.get $o)) (local.get $wi))
        (if (local.get $avg)
          (then (v128.store (i32.add (local.get $avg) (local.get $o))
            (f32x4.add (f32x4.mul (local.get $K) (v128.load (i32.add (local.get $avg) (local.get $o)))) (f32x4.mul (local.get $T) (local.get $wi))))))
        (br_if $l4 (i32.lt_u (local.tee $o (i32.add (local.get $o) (i32.const 16))) (local.get $tail)))))
    (block $done1
      (br_if $done1 (i32.ge_u (local.get $o) (local.get $end)))
      (loop $l1
        (local.set $ds (f32.mul (local.get $step) (f32.load (i32.add (local.get $g) (local.get $o)))))
        (if (local.get $vel)
          (then
            (local.set $ds (f32.add (f32.mul (local.get $mom) (f32.load (i32.add (local.get $vel) (local.get $o)))) (local.get $ds)))
            (f32.store (i32.add (local.get $vel) (local.get $o)) (local.get $ds))))
        (local.set $ws (f32.add (f32.load (i32.add (local.get $w) (local.get $o))) (local.get $ds)))
        (f32.store (i32.add (local.get $w) (local.get $o)) (local.get $ws))
        (if (local.get $avg)
          (then (f32.store (i32.add (local.get $avg) (local.get $o))
            (f32.add (f32.mul (local.get $keep) (f32.load (i32.add (local.get $avg) (local.get $o)))) (f32.mul (local.get $take) (local.get $ws))))))
        (br_if $l1 (i32.lt_u (local.tee $o (i32.add (local.get $o) (i32.const 4))) (local.get $end)))))))
