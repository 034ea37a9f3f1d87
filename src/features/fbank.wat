;; fbank's per-frame kernels in WebAssembly (see fbank.ts and real-fft.ts): `power`, the power
;; spectrum of a real frame (RealFft: the N/2-point complex FFT of the packed frame, one trivial
;; pass that gathers the input in bit-reversed order, then radix-4 passes two butterflies at a time
;; in f64x2 lanes, then the two-for-one untangling), and `frames`, fbank's fast path over a run of
;; frames (DC removal, pre-emphasis and window, `power`, optional square root, sparse mel weights).
;; Every lane does exactly the float64 operations of the JavaScript code, in the same order (sums
;; are reordered only where they are exact), so the results are bit-identical to it.
;; Pointers are byte offsets into the exported memory.
(module
  (memory (export "memory") 1)
  (func $power (export "power")
    (param $x i32) (param $re i32) (param $im i32) (param $rev i32)
    (param $c1 i32) (param $s1 i32) (param $c2 i32) (param $s2 i32) (param $c3 i32) (param $s3 i32)
    (param $pc i32) (param $ps i32) (param $out i32) (param $m i32) (param $odd i32)
    (local $i i32) (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $A v128) (local $B v128) (local $C v128) (local $D v128) (local $E v128) (local $F v128)
    (local $span i32) (local $h i32) (local $block i32) (local $j i32) (local $a i32) (local $tw i32)
    (local $ao i32) (local $bo i32) (local $co i32) (local $do i32) (local $hb i32) (local $bb i32) (local $mb i32)
    (local $w1r v128) (local $w1i v128) (local $w2r v128) (local $w2i v128) (local $w3r v128) (local $w3i v128)
    (local $t0r v128) (local $t0i v128) (local $t1r v128) (local $t1i v128) (local $t2r v128) (local $t2i v128)
    (local $t3r v128) (local $t3i v128) (local $xr v128) (local $xi v128)
    (local $s02r v128) (local $s02i v128) (local $d02r v128) (local $d02i v128)
    (local $s13r v128) (local $s13i v128) (local $d13r v128) (local $d13i v128)
    (local $k i32) (local $q i32) (local $r0 f64) (local $i0 f64)
    (local $ar f64) (local $ai f64) (local $br f64) (local $bi f64) (local $er f64) (local $ei f64)
    (local $or f64) (local $oi f64) (local $wr f64) (local $wi f64) (local $pr f64) (local $pi f64)
    (local $sr f64) (local $si f64)
    (local.set $mb (i32.shl (local.get $m) (i32.const 3)))
    ;; First pass. A complex input pair (x[2n], x[2n+1]) is one v128 at x + 16 n.
    (if (local.get $odd)
      (then
        ;; radix-2, twiddle 1: re/im[i] = P + Q, re/im[i+1] = P - Q
        (local.set $i (i32.const 0))
        (loop $l2
          (local.set $A (v128.load (i32.add (local.get $x) (i32.shl (i32.load (i32.add (local.get $rev) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 4)))))
          (local.set $B (v128.load (i32.add (local.get $x) (i32.shl (i32.load offset=4 (i32.add (local.get $rev) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 4)))))
          (local.set $C (f64x2.add (local.get $A) (local.get $B)))
          (local.set $D (f64x2.sub (local.get $A) (local.get $B)))
          (local.set $p0 (i32.shl (local.get $i) (i32.const 3)))
          (f64.store (i32.add (local.get $re) (local.get $p0)) (f64x2.extract_lane 0 (local.get $C)))
          (f64.store (i32.add (local.get $im) (local.get $p0)) (f64x2.extract_lane 1 (local.get $C)))
          (f64.store offset=8 (i32.add (local.get $re) (local.get $p0)) (f64x2.extract_lane 0 (local.get $D)))
          (f64.store offset=8 (i32.add (local.get $im) (local.get $p0)) (f64x2.extract_lane 1 (local.get $D)))
          (br_if $l2 (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 2))) (local.get $m))))
        (local.set $span (i32.const 2)))
      (else
        ;; spans 2 and 4 fused (twiddles 1 and -i)
        (local.set $i (i32.const 0))
        (loop $l4
          (local.set $p0 (i32.add (local.get $rev) (i32.shl (local.get $i) (i32.const 2))))
          (local.set $E (v128.load (i32.add (local.get $x) (i32.shl (i32.load (local.get $p0)) (i32.const 4)))))
          (local.set $F (v128.load (i32.add (local.get $x) (i32.shl (i32.load offset=4 (local.get $p0)) (i32.const 4)))))
          (local.set $A (f64x2.add (local.get $E) (local.get $F)))
          (local.set $B (f64x2.sub (local.get $E) (local.get $F)))
          (local.set $E (v128.load (i32.add (local.get $x) (i32.shl (i32.load offset=8 (local.get $p0)) (i32.const 4)))))
          (local.set $F (v128.load (i32.add (local.get $x) (i32.shl (i32.load offset=12 (local.get $p0)) (i32.const 4)))))
          (local.set $C (f64x2.add (local.get $E) (local.get $F)))
          (local.set $D (f64x2.sub (local.get $E) (local.get $F)))
          ;; D swapped: (di, dr)
          (local.set $F (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $D) (local.get $D)))
          (local.set $p1 (i32.shl (local.get $i) (i32.const 3)))
          (local.set $E (f64x2.add (local.get $A) (local.get $C)))
          (f64.store (i32.add (local.get $re) (local.get $p1)) (f64x2.extract_lane 0 (local.get $E)))
          (f64.store (i32.add (local.get $im) (local.get $p1)) (f64x2.extract_lane 1 (local.get $E)))
          (local.set $E (f64x2.sub (local.get $A) (local.get $C)))
          (f64.store offset=16 (i32.add (local.get $re) (local.get $p1)) (f64x2.extract_lane 0 (local.get $E)))
          (f64.store offset=16 (i32.add (local.get $im) (local.get $p1)) (f64x2.extract_lane 1 (local.get $E)))
          ;; E = B + D' = (br + di, bi + dr); A = B - D' = (br - di, bi - dr)
          (local.set $E (f64x2.add (local.get $B) (local.get $F)))
          (local.set $A (f64x2.sub (local.get $B) (local.get $F)))
          ;; re[i+1] = br + di, im[i+1] = bi - dr; re[i+3] = br - di, im[i+3] = bi + dr
          (f64.store offset=8 (i32.add (local.get $re) (local.get $p1)) (f64x2.extract_lane 0 (local.get $E)))
          (f64.store offset=8 (i32.add (local.get $im) (local.get $p1)) (f64x2.extract_lane 1 (local.get $A)))
          (f64.store offset=24 (i32.add (local.get $re) (local.get $p1)) (f64x2.extract_lane 0 (local.get $A)))
          (f64.store offset=24 (i32.add (local.get $im) (local.get $p1)) (f64x2.extract_lane 1 (local.get $E)))
          (br_if $l4 (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $m))))
        (local.set $span (i32.const 4))))
    ;; Radix-4 passes, butterflies j and j + 1 side by side (h is even).
    (local.set $tw (i32.const 0))
    (block $passesDone
      (loop $pass
        (br_if $passesDone (i32.ge_u (local.get $span) (local.get $m)))
        (local.set $h (local.get $span))
        (local.set $block (i32.shl (local.get $h) (i32.const 2)))
        (local.set $hb (i32.shl (local.get $h) (i32.const 3)))
        (local.set $bb (i32.shl (local.get $block) (i32.const 3)))
        (local.set $j (i32.const 0))
        (loop $jloop
          (local.set $p0 (i32.shl (local.get $tw) (i32.const 3)))
          (local.set $w1r (v128.load (i32.add (local.get $c1) (local.get $p0))))
          (local.set $w1i (v128.load (i32.add (local.get $s1) (local.get $p0))))
          (local.set $w2r (v128.load (i32.add (local.get $c2) (local.get $p0))))
          (local.set $w2i (v128.load (i32.add (local.get $s2) (local.get $p0))))
          (local.set $w3r (v128.load (i32.add (local.get $c3) (local.get $p0))))
          (local.set $w3i (v128.load (i32.add (local.get $s3) (local.get $p0))))
          (local.set $ao (i32.shl (local.get $j) (i32.const 3)))
          (loop $aloop
            (local.set $bo (i32.add (local.get $ao) (local.get $hb)))
            (local.set $co (i32.add (local.get $bo) (local.get $hb)))
            (local.set $do (i32.add (local.get $co) (local.get $hb)))
            (local.set $t0r (v128.load (i32.add (local.get $re) (local.get $ao))))
            (local.set $t0i (v128.load (i32.add (local.get $im) (local.get $ao))))
            (local.set $xr (v128.load (i32.add (local.get $re) (local.get $co))))
            (local.set $xi (v128.load (i32.add (local.get $im) (local.get $co))))
            (local.set $t1r (f64x2.sub (f64x2.mul (local.get $xr) (local.get $w1r)) (f64x2.mul (local.get $xi) (local.get $w1i))))
            (local.set $t1i (f64x2.add (f64x2.mul (local.get $xr) (local.get $w1i)) (f64x2.mul (local.get $xi) (local.get $w1r))))
            (local.set $xr (v128.load (i32.add (local.get $re) (local.get $bo))))
            (local.set $xi (v128.load (i32.add (local.get $im) (local.get $bo))))
            (local.set $t2r (f64x2.sub (f64x2.mul (local.get $xr) (local.get $w2r)) (f64x2.mul (local.get $xi) (local.get $w2i))))
            (local.set $t2i (f64x2.add (f64x2.mul (local.get $xr) (local.get $w2i)) (f64x2.mul (local.get $xi) (local.get $w2r))))
            (local.set $xr (v128.load (i32.add (local.get $re) (local.get $do))))
            (local.set $xi (v128.load (i32.add (local.get $im) (local.get $do))))
            (local.set $t3r (f64x2.sub (f64x2.mul (local.get $xr) (local.get $w3r)) (f64x2.mul (local.get $xi) (local.get $w3i))))
            (local.set $t3i (f64x2.add (f64x2.mul (local.get $xr) (local.get $w3i)) (f64x2.mul (local.get $xi) (local.get $w3r))))
            (local.set $s02r (f64x2.add (local.get $t0r) (local.get $t2r)))
            (local.set $s02i (f64x2.add (local.get $t0i) (local.get $t2i)))
            (local.set $d02r (f64x2.sub (local.get $t0r) (local.get $t2r)))
            (local.set $d02i (f64x2.sub (local.get $t0i) (local.get $t2i)))
            (local.set $s13r (f64x2.add (local.get $t1r) (local.get $t3r)))
            (local.set $s13i (f64x2.add (local.get $t1i) (local.get $t3i)))
            (local.set $d13r (f64x2.sub (local.get $t1r) (local.get $t3r)))
            (local.set $d13i (f64x2.sub (local.get $t1i) (local.get $t3i)))
            (v128.store (i32.add (local.get $re) (local.get $ao)) (f64x2.add (local.get $s02r) (local.get $s13r)))
            (v128.store (i32.add (local.get $im) (local.get $ao)) (f64x2.add (local.get $s02i) (local.get $s13i)))
            (v128.store (i32.add (local.get $re) (local.get $co)) (f64x2.sub (local.get $s02r) (local.get $s13r)))
            (v128.store (i32.add (local.get $im) (local.get $co)) (f64x2.sub (local.get $s02i) (local.get $s13i)))
            (v128.store (i32.add (local.get $re) (local.get $bo)) (f64x2.add (local.get $d02r) (local.get $d13i)))
            (v128.store (i32.add (local.get $im) (local.get $bo)) (f64x2.sub (local.get $d02i) (local.get $d13r)))
            (v128.store (i32.add (local.get $re) (local.get $do)) (f64x2.sub (local.get $d02r) (local.get $d13i)))
            (v128.store (i32.add (local.get $im) (local.get $do)) (f64x2.add (local.get $d02i) (local.get $d13r)))
            (br_if $aloop (i32.lt_u (local.tee $ao (i32.add (local.get $ao) (local.get $bb))) (local.get $mb))))
          (local.set $tw (i32.add (local.get $tw) (i32.const 2)))
          (br_if $jloop (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 2))) (local.get $h))))
        (local.set $span (local.get $block))
        (br $pass)))
    ;; Untangling (scalar): bins k and m - k from Z[k] and Z[m - k].
    (local.set $r0 (f64.load (local.get $re)))
    (local.set $i0 (f64.load (local.get $im)))
    (local.set $sr (f64.add (local.get $r0) (local.get $i0)))
    (f64.store (local.get $out) (f64.mul (local.get $sr) (local.get $sr)))
    (local.set $sr (f64.sub (local.get $r0) (local.get $i0)))
    (f64.store (i32.add (local.get $out) (local.get $mb)) (f64.mul (local.get $sr) (local.get $sr)))
    (local.set $k (i32.const 8))
    (local.set $q (i32.sub (local.get $mb) (i32.const 8)))
    (block $untangled
      (loop $u
        (br_if $untangled (i32.gt_u (local.get $k) (local.get $q)))
        (local.set $ar (f64.load (i32.add (local.get $re) (local.get $k))))
        (local.set $ai (f64.load (i32.add (local.get $im) (local.get $k))))
        (local.set $br (f64.load (i32.add (local.get $re) (local.get $q))))
        (local.set $bi (f64.load (i32.add (local.get $im) (local.get $q))))
        (local.set $er (f64.mul (f64.const 0.5) (f64.add (local.get $ar) (local.get $br))))
        (local.set $ei (f64.mul (f64.const 0.5) (f64.sub (local.get $ai) (local.get $bi))))
        (local.set $or (f64.mul (f64.const 0.5) (f64.add (local.get $ai) (local.get $bi))))
        (local.set $oi (f64.mul (f64.const -0.5) (f64.sub (local.get $ar) (local.get $br))))
        (local.set $wr (f64.load (i32.add (local.get $pc) (local.get $k))))
        (local.set $wi (f64.load (i32.add (local.get $ps) (local.get $k))))
        (local.set $pr (f64.sub (f64.mul (local.get $wr) (local.get $or)) (f64.mul (local.get $wi) (local.get $oi))))
        (local.set $pi (f64.add (f64.mul (local.get $wr) (local.get $oi)) (f64.mul (local.get $wi) (local.get $or))))
        (local.set $sr (f64.add (local.get $er) (local.get $pr)))
        (local.set $si (f64.add (local.get $ei) (local.get $pi)))
        (f64.store (i32.add (local.get $out) (local.get $k)) (f64.add (f64.mul (local.get $sr) (local.get $sr)) (f64.mul (local.get $si) (local.get $si))))
        (local.set $sr (f64.sub (local.get $er) (local.get $pr)))
        (local.set $si (f64.add (f64.neg (local.get $ei)) (local.get $pi)))
        (f64.store (i32.add (local.get $out) (local.get $q)) (f64.add (f64.mul (local.get $sr) (local.get $sr)) (f64.mul (local.get $si) (local.get $si))))
        (local.set $k (i32.add (local.get $k) (i32.const 8)))
        (local.set $q (i32.sub (local.get $q) (i32.const 8)))
        (br $u))))

  ;; DC removal, pre-emphasis and window of one frame of float32 samples at $src into the float64
  ;; frame at $y (FbankComputer.loadProcessed): mean mu (a sum in any order when $exact: the
  ;; samples are then integers and every partial sum is exact), then
  ;; y[0] = ((1 - c)(x[0] - mu)) w[0], y[i] = ((x[i] - c x[i-1]) - (1 - c) mu) w[i].
  (func $window (param $src i32) (param $size i32) (param $w i32) (param $pc f64) (param $dc i32) (param $exact i32) (param $y i32)
    (local $i i32) (local $sum f64) (local $acc v128) (local $mean f64) (local $bias f64) (local $prev f64) (local $x f64)
    (local $pc2 v128) (local $bias2 v128) (local $X v128) (local $P v128)
    (if (local.get $dc)
      (then
        (if (local.get $exact)
          (then
            (local.set $acc (f64x2.splat (f64.const 0)))
            (local.set $i (i32.const 0))
            (block $done
              (loop $l
                (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 2)) (local.get $size)))
                (local.set $acc (f64x2.add (local.get $acc)
                  (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2)))))))
                (local.set $i (i32.add (local.get $i) (i32.const 2)))
                (br $l)))
            (local.set $sum (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
            (if (i32.lt_s (local.get $i) (local.get $size))
              (then (local.set $sum (f64.add (local.get $sum)
                (f64.promote_f32 (f32.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2))))))))))
          (else
            (local.set $sum (f64.const 0))
            (local.set $i (i32.const 0))
            (loop $s
              (local.set $sum (f64.add (local.get $sum)
                (f64.promote_f32 (f32.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2)))))))
              (br_if $s (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $size))))))
        (local.set $mean (f64.div (local.get $sum) (f64.convert_i32_s (local.get $size))))))
    (local.set $bias (f64.mul (f64.sub (f64.const 1) (local.get $pc)) (local.get $mean)))
    (local.set $prev (f64.promote_f32 (f32.load (local.get $src))))
    (f64.store (local.get $y)
      (f64.mul (f64.mul (f64.sub (f64.const 1) (local.get $pc)) (f64.sub (local.get $prev) (local.get $mean))) (f64.load (local.get $w))))
    ;; i = 1, 2, ...: two at a time, x from src[i..i+1], prev from src[i-1..i]
    (local.set $pc2 (f64x2.splat (local.get $pc)))
    (local.set $bias2 (f64x2.splat (local.get $bias)))
    (local.set $i (i32.const 1))
    (block $vdone
      (loop $v
        (br_if $vdone (i32.gt_s (i32.add (local.get $i) (i32.const 2)) (local.get $size)))
        (local.set $X (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $P (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $src) (i32.shl (i32.sub (local.get $i) (i32.const 1)) (i32.const 2))))))
        (v128.store (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3)))
          (f64x2.mul
            (f64x2.sub (f64x2.sub (local.get $X) (f64x2.mul (local.get $pc2) (local.get $P))) (local.get $bias2))
            (v128.load (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 3))))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $v)))
    (if (i32.lt_s (local.get $i) (local.get $size))
      (then
        (local.set $x (f64.promote_f32 (f32.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $prev (f64.promote_f32 (f32.load (i32.add (local.get $src) (i32.shl (i32.sub (local.get $i) (i32.const 1)) (i32.const 2))))))
        (f64.store (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3)))
          (f64.mul
            (f64.sub (f64.sub (local.get $x) (f64.mul (local.get $pc) (local.get $prev))) (local.get $bias))
            (f64.load (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 3)))))))))

  ;; Mel energies of one spectrum (applyMelBanks): out[b] = sum_k weights[woff[b] + k] * spec[first[b] + k], in k order.
  (func $mel (param $spec i32) (param $numBins i32) (param $first i32) (param $count i32) (param $woff i32) (param $weights i32) (param $out i32)
    (local $b i32) (local $k i32) (local $n i32) (local $sp i32) (local $wp i32) (local $sum f64)
    (local.set $b (i32.const 0))
    (loop $bins
      (local.set $n (i32.load (i32.add (local.get $count) (i32.shl (local.get $b) (i32.const 2)))))
      (local.set $sp (i32.add (local.get $spec) (i32.shl (i32.load (i32.add (local.get $first) (i32.shl (local.get $b) (i32.const 2)))) (i32.const 3))))
      (local.set $wp (i32.add (local.get $weights) (i32.shl (i32.load (i32.add (local.get $woff) (i32.shl (local.get $b) (i32.const 2)))) (i32.const 3))))
      (local.set $sum (f64.const 0))
      (local.set $k (i32.const 0))
      (block $kdone
        (loop $ks
          (br_if $kdone (i32.ge_s (local.get $k) (local.get $n)))
          (local.set $sum (f64.add (local.get $sum)
            (f64.mul (f64.load (i32.add (local.get $wp) (i32.shl (local.get $k) (i32.const 3))))
                     (f64.load (i32.add (local.get $sp) (i32.shl (local.get $k) (i32.const 3)))))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $ks)))
      (f64.store (i32.add (local.get $out) (i32.shl (local.get $b) (i32.const 3))) (local.get $sum))
      (br_if $bins (i32.lt_s (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $numBins)))))

  ;; True when the $len float32 samples at $p are all integers of magnitude at most 2^31: frame
  ;; sums are then exact in any order (windows are at most 2^21 samples).
  (func $exactSamples (param $p i32) (param $len i32) (result i32)
    (local $end i32) (local $v v128) (local $x f32)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $len) (i32.const 2))))
    (block $done
      (loop $l
        (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
        (local.set $v (v128.load (local.get $p)))
        (if (i32.eqz (i32x4.all_true (v128.and
              (f32x4.eq (f32x4.trunc (local.get $v)) (local.get $v))
              (f32x4.le (f32x4.abs (local.get $v)) (f32x4.splat (f32.const 2147483648))))))
          (then (return (i32.const 0))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $l)))
    (block $tail
      (loop $t
        (br_if $tail (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $x (f32.load (local.get $p)))
        (if (i32.eqz (i32.and (f32.eq (f32.trunc (local.get $x)) (local.get $x)) (f32.le (f32.abs (local.get $x)) (f32.const 2147483648))))
          (then (return (i32.const 0))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $t)))
    (i32.const 1))

  ;; fbank's fast path over $n frames whose float32 samples start at $sig, $shift samples apart:
  ;; window, power spectrum, square root unless usePower, mel energies into $melOut (numBins f64
  ;; per frame). $cfg points to i32 fields: 0..14 the `power` arguments (x re im rev c1 s1 c2 s2 c3
  ;; s3 pc ps out m odd), 15 size, 16 window, 17 removeDc, 18 (unused), 19 usePower, 20 numBins,
  ;; 21 first, 22 count, 23 woff, 24 weights.
  (func (export "frames") (param $cfg i32) (param $sig i32) (param $n i32) (param $shift i32) (param $pc f64) (param $melOut i32)
    (local $t i32) (local $k i32) (local $out i32) (local $m i32) (local $numBins i32) (local $exact i32)
    (local.set $out (i32.load offset=48 (local.get $cfg)))
    (if (i32.load offset=68 (local.get $cfg))
      (then (local.set $exact (call $exactSamples (local.get $sig)
        (i32.add (i32.mul (i32.sub (local.get $n) (i32.const 1)) (local.get $shift)) (i32.load offset=60 (local.get $cfg)))))))
    (local.set $m (i32.load offset=52 (local.get $cfg)))
    (local.set $numBins (i32.load offset=80 (local.get $cfg)))
    (local.set $t (i32.const 0))
    (block $done
      (loop $frame
        (br_if $done (i32.ge_s (local.get $t) (local.get $n)))
        (call $window
          (i32.add (local.get $sig) (i32.shl (i32.mul (local.get $t) (local.get $shift)) (i32.const 2)))
          (i32.load offset=60 (local.get $cfg)) (i32.load offset=64 (local.get $cfg)) (local.get $pc)
          (i32.load offset=68 (local.get $cfg)) (local.get $exact) (i32.load (local.get $cfg)))
        (call $power
          (i32.load (local.get $cfg)) (i32.load offset=4 (local.get $cfg)) (i32.load offset=8 (local.get $cfg)) (i32.load offset=12 (local.get $cfg))
          (i32.load offset=16 (local.get $cfg)) (i32.load offset=20 (local.get $cfg)) (i32.load offset=24 (local.get $cfg)) (i32.load offset=28 (local.get $cfg))
          (i32.load offset=32 (local.get $cfg)) (i32.load offset=36 (local.get $cfg)) (i32.load offset=40 (local.get $cfg)) (i32.load offset=44 (local.get $cfg))
          (local.get $out) (local.get $m) (i32.load offset=56 (local.get $cfg)))
        (if (i32.eqz (i32.load offset=76 (local.get $cfg)))
          (then
            (local.set $k (i32.const 0))
            (loop $sq
              (f64.store (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 3)))
                (f64.sqrt (f64.load (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 3))))))
              (br_if $sq (i32.le_s (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $m))))))
        (call $mel (local.get $out) (local.get $numBins)
          (i32.load offset=84 (local.get $cfg)) (i32.load offset=88 (local.get $cfg)) (i32.load offset=92 (local.get $cfg)) (i32.load offset=96 (local.get $cfg))
          (i32.add (local.get $melOut) (i32.shl (i32.mul (local.get $t) (local.get $numBins)) (i32.const 3))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $frame))))
)
