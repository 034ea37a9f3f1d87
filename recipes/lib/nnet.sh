# recipes/lib/nnet.sh: the paper's three systems (Hinton, Vinyals & Dean 2015, sec. 4) from
# features and alignments: an ensemble of DNNs differing by seed, the baseline (one member) and a
# distilled student. Source after lib/stages.sh and lib/score.sh, and after setting:
#   feats       features: $feats/train, $feats/dev (compute-cmvn done)
#   exp         experiment dir: alignments in $exp/ali_train, $exp/ali_dev; writes $exp/ensemble,
#               $exp/baseline, $exp/student (and $exp/sweep/T<t> with sweep=1,2,5)
#   members arch context epochs lr batch optimizer seed jobs temperature hard_weight
#   optional (empty/unset = the toolkit's default): norm_vars (true: per-speaker variance
#   normalisation too, apply-cmvn --norm-vars; the students follow their teacher) average_decay student_arch student_epochs
#   transfer_noise student_newbob (HALVE:STOP, or off: a fixed rate) student_min_epochs student_clean_epochs student_clean_lr sweep
#   transfer_extra (features dirs of unlabelled frames for the student's transfer set, both phases;
#   space-separated); transfer_warp (distill --transfer-warp R in the noisy-transfer phase);
#   paper_student (true: also $exp/student-paper, distill --setup paper);
#   a recipe whose option overrides a size config's value passes it as NAME_opt (parse_options.sh);
#   distill_stage (the function stage 5 runs, default stage_distill: a recipe may run its own that
#   leaves a chosen $exp/student and then calls stage_distill, e.g. recipes/fsdd --choose-student dev);
#   decode_stage (the function stage 7 runs, default lib/score.sh's stage_decode).
# Call resolve_nnet_options once after the options and size config are read.

resolve_nnet_options() {
  student_arch=${student_arch_opt:-${student_arch:-$arch}}
  # The student's cap on epochs (newbob stops every model earlier when held-out accuracy stalls);
  # a size config may give it more than the members: learning from soft targets improves longer.
  student_epochs=${student_epochs_opt:-${student_epochs:-$epochs}}
  # Noise added to the transfer frames the teacher labels for the student (distill
  # --transfer-noise; 0 = the paper's setup, the training frames as they are).
  transfer_noise=${transfer_noise_opt:-${transfer_noise:-0}}
  # The student's newbob thresholds (empty = the toolkit's default, as for the members), or off:
  # the rate held for all student_epochs epochs (distill --no-newbob), the weights' moving average
  # (average_decay) smoothing the end. Matching the teacher's function on fresh perturbed frames
  # keeps improving long after held-out accuracy first stalls ("patient" distillation, Beyer et al.
  # 2022); recipes/fsdd/RESULTS.md measures it on FSDD.
  student_newbob=${student_newbob:-}
  case $student_newbob in off | '' | *:*) ;; *) echo "student_newbob must be HALVE:STOP or off, got '$student_newbob'" >&2; exit 2 ;; esac
  student_min_epochs=${student_min_epochs:-}
  # Epochs on the clean training frames after the noisy-transfer ones (0 = none), at rate
  # student_clean_lr (default a quarter of lr).
  student_clean_epochs=${student_clean_epochs_opt:-${student_clean_epochs:-0}}
  require_int student_clean_epochs "$student_clean_epochs" 0
  student_clean_lr=${student_clean_lr:-$(node -p "$lr / 4")}
  # Moving average of the weights for every DNN (--average-decay; empty = off).
  average_decay=${average_decay:-}
  sweep=${sweep:-}
  # The baseline is member 1 and the seed spread is taken over the members, so at least two.
  require_int members "$members" 2
}

stage_ensemble() {
  # N DNNs of the same recipe from different seeds, trained in parallel (--jobs): the teacher.
  asr ensemble "$feats/train" "$exp/ali_train" "$exp/ensemble" --members "$members" --arch "$arch" --context "$context" \
    --dev "$feats/dev,$exp/ali_dev" --epochs "$epochs" --lr "$lr" --batch "$batch" --optimizer "$optimizer" \
    --seed $((seed + 100)) ${average_decay:+--average-decay "$average_decay"} --jobs "$jobs" $([ "${norm_vars:-false}" != true ] || echo --norm-vars)
}

stage_baseline() {
  # The paper's baseline is one DNN trained exactly like each ensemble member (sec. 4), so member 1
  # is the baseline; the other members are the same recipe with other seeds, whose spread the
  # ensemble gain must exceed. Copied (not re-trained) to keep runs short.
  rm -rf "$exp/baseline.tmp"
  cp -r "$exp/ensemble/member-01" "$exp/baseline.tmp"
  rm -rf "$exp/baseline"
  mv "$exp/baseline.tmp" "$exp/baseline"
}

# The student's rate schedule as distill options (student_newbob, student_min_epochs); single words, so
# callers expand it unquoted.
student_schedule_opts() {
  if [ "$student_newbob" = off ]; then echo --no-newbob; return; fi
  echo ${student_newbob:+--newbob-gains "$student_newbob"} ${student_min_epochs:+--newbob-min-epochs "$student_min_epochs"}
}

distill_student() { # distill_student OUT_DIR TEMPERATURE
  local out=$1 first=$1
  # A complete student (asr-distill.json is written last) is kept: a resumed stage, or one a recipe chose.
  [ ! -f "$out/asr-distill.json" ] || return 0
  # Both phases: the same teacher, targets (T, W), student shape, batches and seed.
  local common=(--arch "$student_arch" --context "$context" --dev "$feats/dev,$exp/ali_dev" --temperature "$2"
    --hard-weight "$hard_weight" ${average_decay:+--average-decay "$average_decay"} --batch "$batch"
    --optimizer "$optimizer" --seed $((seed + 200)) --resume)
  local d
  for d in ${transfer_extra:-}; do common+=(--transfer-extra "$d"); done
  # With a clean phase, the noisy-transfer student is kept beside the final one as OUT_DIR-noisy.
  if [ "$transfer_noise" != 0 ] && [ "${student_clean_epochs:-0}" -gt 0 ]; then first=$1-noisy; fi
  # A single phase on the clean frames uses one core, like the clean phase below: score the other
  # systems meanwhile (the noisy phase keeps both cores busy).
  if [ "$first" = "$out" ] && [ "$out" = "$exp/student" ] && [ "$transfer_noise" = 0 ]; then start_background_scoring; fi
  # Skipped when complete (asr-distill.json is written last), so a resumed stage goes straight on.
  if [ ! -f "$first/asr-distill.json" ]; then
    asr distill "$feats/train" "$exp/ali_train" "$exp/ensemble" "$first" "${common[@]}" --epochs "$student_epochs" --lr "$lr" \
      --transfer-noise "$transfer_noise" ${transfer_warp:+--transfer-warp "$transfer_warp"} $(student_schedule_opts)
  fi
  [ "$first" != "$out" ] || return 0
  [ "$out" != "$exp/student" ] || start_background_scoring
  # The clean phase: the same soft and hard targets on the training frames as they are (the teacher
  # runs once), a few epochs at a lower fixed rate, starting from the noisy-transfer student. The
  # noise teaches the teacher's function around the frames; this fits it at the frames, the inputs
  # the student is tested on (docs/digits-experiments.md: seed 1, 58.7% -> 86.7% of the gain recovered).
  asr distill "$feats/train" "$exp/ali_train" "$exp/ensemble" "$out" "${common[@]}" --init-from "$first" \
    --epochs "$student_clean_epochs" --lr "$student_clean_lr" --no-newbob
}

# The published setup (Hinton et al. 2015 sec. 4; distill --setup paper): soft targets at T on the
# training frames as they are plus the hard labels, one phase with the first phase's schedule, so
# the report shows what the recipe's additions (noisy transfer frames, the clean phase) add.
distill_paper_student() { # distill_paper_student [OUT_DIR, default $exp/student-paper]
  local out=${1:-$exp/student-paper}
  [ ! -f "$out/asr-distill.json" ] || return 0
  asr distill "$feats/train" "$exp/ali_train" "$exp/ensemble" "$out" --setup paper --arch "$student_arch" --context "$context" \
    --dev "$feats/dev,$exp/ali_dev" --temperature "$temperature" --hard-weight "$hard_weight" ${average_decay:+--average-decay "$average_decay"} \
    --batch "$batch" --optimizer "$optimizer" --seed $((seed + 200)) --resume --epochs "$student_epochs" --lr "$lr" \
    $(student_schedule_opts)
}

stage_distill() {
  distill_student "$exp/student" "$temperature"
  if [ "${paper_student:-false}" = true ]; then distill_paper_student; fi
  if [ -n "$sweep" ]; then
    for t in ${sweep//,/ }; do distill_student "$exp/sweep/T$t" "$t"; done
  fi
  finish_background_scoring
}

# run_nnet_stages: stages 3-8 of every recipe, after its data, features (1) and GMM alignment (2);
# the recipe defines stage_report (its settings for lib/score.sh's report).
run_nnet_stages() {
  run_stage 3 ensemble stage_ensemble
  run_stage 4 baseline stage_baseline
  run_stage 5 distill "${distill_stage:-stage_distill}"
  run_stage 6 eval stage_eval
  run_stage 7 decode "${decode_stage:-stage_decode}"
  run_stage 8 report stage_report
}
