#!/usr/bin/env bash
# recipes/digits/paper.sh: the paper's experiments beyond Table 1 (Hinton, Vinyals & Dean 2015) on
# the digits corpus: sec. 5 specialists (Table 4, and Table 1's "generalist + specialists" row: the
# specialists directory scored and decoded as one model), sec. 6 soft targets as a regulariser (Table 5,
# 3% of the training utterances), sec. 2.1 (temperature vs logit matching, hard-label weight, top-k
# targets, the ensemble's combine rule), sec. 3 (a word missing from the transfer set, bias fix).
# Runs run.sh's stages 0-4 first (corpus .. ensemble, baseline), then its own stages in $exp/paper;
# writes $exp/paper/RESULTS.md and results.json.
#
#   bash recipes/digits/paper.sh [--size tiny|small|default] [--seed S] [--members N] [--exp DIR]
#        [--spec-num K] [--spec-cover N] [--spec-size S] [--spec-epochs N] [--spec-tops 1,3] [--spec-targets hard,soft]
#        [--spec-temperature T] [--spec-hard-weight W] [--spec-top N] [--sec6-fractions 0.03,0.1,0.3]
#        [--sec6-epochs N] [--sec6-hard-weight W] [--sec21-temperatures 1,2,5,10,20] [--sec21-hard-weights 0,0.1,0.9]
#        [--sec21-top-ks 10,3] [--sec21-geometric true] [--sec3-word three] [--sec3-min-lost 0.5]
#        [--sec6-wer true] [--spec-wer true] [--plots true] [--sections 2.1,3,5,6] [--jobs J] [--stage N] [--stop-stage N]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

size=small
seed=1
members=4
exp=exp/digits
jobs=2
stage=0
stop_stage=100
# Sec. 5: K clusters per clustering, N clusterings (each pdf covered by up to N specialists),
# epochs per specialist, and the generalist's top-N pdfs that pick the active specialists.
spec_num=8
spec_cover=2
# --spec-size S: overlapping clusters, each k-means centre taking the S pdfs nearest to it (of those
# with dev frames; train-specialists --cluster-size), so that the number of specialists covering a
# pdf varies from 0 up, as in the paper's Table 4; empty: a partition of the pdfs per clustering.
spec_size=
spec_epochs=2
spec_tops=1,3
# What the specialists learn: hard (the alignment's labels, the paper's sec. 5; $pexp/specialists)
# and/or soft (the ensemble's soft targets at spec_temperature summed onto each specialist's pdfs
# and dustbin, plus the hard labels with weight spec_hard_weight, as distill; sec. 6's last
# paragraph; $pexp/specialists-soft). Table 1's row: the generalist's top spec_top pdfs pick the
# active specialists in eval-frames and decode.
spec_targets=hard
spec_temperature=2
spec_hard_weight=0.5
spec_top=3
# Sec. 6: fractions of the training utterances (speaker-balanced, seeded), epochs of each model
# (the same for hard and soft targets), and the hard-label weight of the soft-target model (0: soft
# targets alone, as the paper's "soft targets" row).
sec6_fractions=0.03,0.1,0.3
sec6_epochs=
sec6_hard_weight=0
# Sec. 2.1: students in the paper's setup (distill --setup paper, the recipe's student shape and
# schedule), soft-target CE at each temperature, and logit matching (its loss has no T); at
# sec21_base_t, the other hard-label weights (0.5 is the base point), top-k targets (full is the
# base point), and soft targets from the geometric mean of the same members.
sec21_temperatures=1,2,5,10,20
sec21_base_t=2
sec21_hard_weights=0,0.1,0.9
sec21_top_ks=10,3
sec21_geometric=true
# Sec. 3: the word left out of the transfer set, and the share of a pdf's frames the word must hold
# for the pdf to count as omitted (its output bias raised by bias-fix).
sec3_word=three
sec3_min_lost=0.5
# The paper's sections to run (the others' stages are skipped), and whether sec. 6 decodes its
# models for the test WER.
sections=2.1,3,5,6
sec6_wer=true
# Whether Table 1's "generalist + specialists" row is measured (eval-frames and decode of the
# specialists directory, stage 5); default: --sec6-wer's value (both are the recipe's decodes).
spec_wer=
# Whether the report stage draws the plots (each costs about a CPU second: vega + resvg).
plots=true
recipe=digits-paper
help_lines=15

. "$root/recipes/lib/parse_options.sh"
# shellcheck source=/dev/null
. "$here/conf/$size.sh" || { echo "paper.sh: unknown --size $size (tiny|small|default)" >&2; exit 2; }
# shellcheck source=../lib/stages.sh
. "$root/recipes/lib/stages.sh"
# The paper's sec. 6 models train longer than the recipe's members: with 3% of the data, hard
# targets overfit after a few epochs, and that is what the curves must show.
sec6_epochs=${sec6_epochs:-$((3 * epochs))}
spec_wer=${spec_wer:-$sec6_wer}
require_int sec6_epochs "$sec6_epochs" 1
require_int spec_top "$spec_top" 1
[ -z "$spec_size" ] || require_int spec_size "$spec_size" 1
for t in ${spec_targets//,/ }; do
  case $t in hard|soft) ;; *) echo "paper.sh: --spec-targets $spec_targets: expected hard, soft or hard,soft" >&2; exit 2 ;; esac
done

base_exp=$exp
corpus=data/digits/generated/$size-seed$seed
# decode: run.sh's acoustic-scale sweep on dev (recipes/lib/score.sh)
scale_sweep=0.06:0.14:0.01
feats=$base_exp/feats
pexp=$base_exp/paper

stage_base() {
  # Corpus, features, GMM alignments, ensemble and baseline: run.sh's own stages (resumable).
  bash "$here/run.sh" --size "$size" --seed "$seed" --members "$members" --exp "$base_exp" --jobs "$jobs" --stop-stage 4
}

# spec_dir hard|soft: the specialists directory of those targets.
spec_dir() { if [ "$1" = soft ]; then echo "$pexp/specialists-soft"; else echo "$pexp/specialists"; fi; }

stage_specialists() {
  # Sec. 5: specialists from the baseline (the generalist), clusters from its predictions on dev
  # (the same clusters for both targets: the same seed), then Table 4 per --spec-tops.
  local kind d t soft sizes=()
  [ -z "$spec_size" ] || sizes=(--cluster-size "$spec_size")
  for kind in ${spec_targets//,/ }; do
    d=$(spec_dir "$kind")
    soft=()
    [ "$kind" = hard ] || soft=(--teacher "$base_exp/ensemble" --temperature "$spec_temperature" --hard-weight "$spec_hard_weight")
    asr train-specialists "$base_exp/baseline" "$feats/train" "$base_exp/ali_train" "$d" --num "$spec_num" \
      --cover "$spec_cover" --cluster-on "$feats/dev,$base_exp/ali_dev" --epochs "$spec_epochs" --batch "$batch" --seed "$seed" "${sizes[@]}" "${soft[@]}" --overwrite
    for t in ${spec_tops//,/ }; do
      to_file "$d/eval-test-top$t.json" asr eval-specialists "$d" "$feats/test" "$base_exp/ali_test" --top "$t" --json
    done
  done
}

stage_table1() {
  # Table 1's "generalist + specialists" rows: each specialists directory as one model in eval-frames
  # and decode (eq. 5's combination, the generalist's top --spec-top pdfs picking the active
  # specialists, divided by the generalist's priors), beside run.sh's baseline and ensemble scores.
  local kind d
  for kind in ${spec_targets//,/ }; do
    d=$(spec_dir "$kind")
    to_file "$d/eval-frames-test.json" asr eval-frames "$d" "$feats/test" "$base_exp/ali_test" --top "$spec_top" --json
    decode_model "$d" "$d-decode" --top "$spec_top"
  done
}

stage_sec6() {
  # Sec. 6: a speaker-balanced subset of the training utterances; its features are the full set's
  # (per utterance, so extracted again identically) with the full set's CMVN statistics; labels
  # from the full alignments. Three models per fraction, the same shape and epochs as the members.
  local f pct common
  common=(--arch "$arch" --context "$context" --dev "$feats/dev,$base_exp/ali_dev" --epochs "$sec6_epochs" --lr "$lr"
    --batch "$batch" --optimizer "$optimizer" --seed "$seed" --overwrite)
  for f in ${sec6_fractions//,/ }; do
    pct=$(node -p "Math.round($f * 1000) / 10")
    # A fraction whose three models are scored is kept (the stage resumes fraction by fraction, e.g.
    # run again with --sec6-wer true to decode models trained without it).
    if [ -f "$pexp/sec6/hard-$pct/eval-test.json" ] && [ -f "$pexp/sec6/hard-early-$pct/eval-test.json" ] && [ -f "$pexp/sec6/soft-$pct/eval-test.json" ]; then continue; fi
    asr subset-data "$corpus/train" "$pexp/data/train_$pct" --fraction "$f" --speaker-balanced --seed "$seed" --overwrite
    asr features "$pexp/data/train_$pct" "$pexp/feats/train_$pct" --config features/fbank40.json --jobs "$jobs" --overwrite
    cp "$feats/train/cmvn.json" "$pexp/feats/train_$pct/"
    # Hard targets: every epoch kept (the curve), and with early stopping (newbob on dev, an epoch
    # that lowers dev accuracy rejected).
    asr train "$pexp/feats/train_$pct" "$base_exp/ali_train" "$pexp/sec6/hard-$pct" "${common[@]}" --no-newbob
    asr train "$pexp/feats/train_$pct" "$base_exp/ali_train" "$pexp/sec6/hard-early-$pct" "${common[@]}" --newbob-reject
    # Soft targets from the full ensemble on the same frames (the paper's setup, no schedule).
    asr distill "$pexp/feats/train_$pct" "$base_exp/ali_train" "$base_exp/ensemble" "$pexp/sec6/soft-$pct" "${common[@]}" \
      --setup paper --temperature 2 --hard-weight "$sec6_hard_weight" --no-newbob
    local m
    for m in hard hard-early soft; do
      to_file "$pexp/sec6/$m-$pct/eval-test.json" asr eval-frames "$pexp/sec6/$m-$pct" "$feats/test" "$base_exp/ali_test" --json
    done
  done
  mkdir -p "$pexp/sec6"
  to_file "$pexp/sec6/baseline-eval-test.json" asr eval-frames "$base_exp/baseline" "$feats/test" "$base_exp/ali_test" --json
  if [ "$sec6_wer" = true ]; then
    decode_model "$base_exp/baseline" "$pexp/sec6-decode/baseline"
    sec6_decode_all
  fi
}

# decode_model MODEL OUT [DECODE_OPTIONS...]: the acoustic scale picked on dev (run.sh's sweep), then
# test decoded with it: OUT/dev, OUT/test (decode.json has the WER). Skipped once OUT/test/decode.json
# is newer than MODEL's metadata (a DNN's asr-distill.json, a specialists directory's specialists.json).
decode_model() {
  local model=$1 out=$2 scale stamp=$1/asr-distill.json
  shift 2
  [ -f "$stamp" ] || stamp=$model/specialists.json
  if [ "$out/test/decode.json" -nt "$stamp" ]; then return 0; fi
  asr decode "$model" "$corpus/dev" "$out/dev" --feats "$feats/dev" --acoustic-scale "$scale_sweep" --jobs "$jobs" "$@" --overwrite > /dev/null
  scale=$(json_field "$out/dev/decode.json" acousticScale)
  asr decode "$model" "$corpus/test" "$out/test" --feats "$feats/test" --acoustic-scale "$scale" --jobs "$jobs" "$@" --overwrite > /dev/null
}

# sec6_decode_all: test WER of every sec. 6 model (the paper reports frame accuracy only; WER is
# what a recognizer's user sees).
sec6_decode_all() {
  local d
  for d in "$pexp"/sec6/*/; do
    [ -f "$d/eval-test.json" ] || continue
    decode_model "${d%/}" "$pexp/sec6-decode/$(basename "$d")"
  done
}

# to_file FILE CMD...: CMD's output into FILE, swapped in on success (a killed run leaves no partial file).
to_file() {
  local f=$1; shift
  "$@" > "$f.tmp"
  mv "$f.tmp" "$f"
}

# paper_student DIR FEATS ALI DISTILL_OPTIONS...: a student in the paper's setup (as run.sh's
# distill_paper_student) on FEATS + ALI, and its test scores; skipped once scored (stages resume
# model by model), a killed training resumes.
paper_student() {
  local d=$1 tf=$2 ta=$3; shift 3
  [ ! -f "$d/eval-test.json" ] || return 0
  asr distill "$tf" "$ta" "$@" "$d" --setup paper --arch "$arch" --context "$context" \
    --dev "$feats/dev,$base_exp/ali_dev" ${average_decay:+--average-decay "$average_decay"} --batch "$batch" \
    --optimizer "$optimizer" --seed $((seed + 200)) --resume --epochs "$epochs" --lr "$lr" \
    ${student_min_epochs:+--newbob-min-epochs "$student_min_epochs"}
  to_file "$d/eval-test.json" asr eval-frames "$d" "$feats/test" "$base_exp/ali_test" --json
}

# sec21_student NAME DISTILL_OPTIONS...: one sec. 2.1 student in $pexp/sec21/NAME, on the full transfer set.
sec21_student() {
  local name=$1; shift
  paper_student "$pexp/sec21/$name" "$feats/train" "$base_exp/ali_train" "$@"
}

stage_sec21() {
  # Sec. 2.1 on the run.sh ensemble (arithmetic, the paper's) and, for the combine-rule point, the
  # same members combined geometrically; every student as run.sh's distill_paper_student.
  local t w k ens=$base_exp/ensemble
  mkdir -p "$pexp/sec21"
  to_file "$pexp/sec21/baseline-eval-test.json" asr eval-frames "$base_exp/baseline" "$feats/test" "$base_exp/ali_test" --json
  to_file "$pexp/sec21/ensemble-eval-test.json" asr eval-frames "$ens" "$feats/test" "$base_exp/ali_test" --json
  for t in ${sec21_temperatures//,/ }; do sec21_student "soft-T$t" "$ens" --temperature "$t" --hard-weight 0.5; done
  sec21_student logit "$ens" --loss logit-mse --temperature "$sec21_base_t" --hard-weight 0.5
  for w in ${sec21_hard_weights//,/ }; do sec21_student "soft-T$sec21_base_t-W$w" "$ens" --temperature "$sec21_base_t" --hard-weight "$w"; done
  for k in ${sec21_top_ks//,/ }; do sec21_student "soft-T$sec21_base_t-top$k" "$ens" --temperature "$sec21_base_t" --hard-weight 0.5 --soft-targets "top-k:$k"; done
  if [ "$sec21_geometric" = true ]; then
    # The same members, combined as a normalised geometric mean: an ensemble directory of its own
    # (ensemble.json names the members relative to it), so soft targets and scores follow that rule.
    local geo=$pexp/sec21/ensemble-geometric
    mkdir -p "$geo"
    cp -r "$ens/lang" "$ens/transition-model.json" "$geo/"
    node -e 'const fs = require("fs"), path = require("path"); const [src, dst] = process.argv.slice(1);
      const m = JSON.parse(fs.readFileSync(path.join(src, "ensemble.json"), "utf8"));
      m.combine = "geometric"; m.members = m.members.map((r) => path.relative(dst, path.resolve(src, r)));
      fs.writeFileSync(path.join(dst, "ensemble.json"), JSON.stringify(m, null, 1) + "\n");' "$ens" "$geo"
    to_file "$pexp/sec21/ensemble-geometric-eval-test.json" asr eval-frames "$geo" "$feats/test" "$base_exp/ali_test" --json
    sec21_student "soft-T$sec21_base_t-geometric" "$geo" --temperature "$sec21_base_t" --hard-weight 0.5
  fi
  # The measured ratio of the two gradients (T^2 x soft CE vs centred logit matching) on dev, for
  # the base student: sec. 2.1 says it approaches 1 as T grows.
  to_file "$pexp/sec21/gradient-ratio.json" asr gradient-ratio "$pexp/sec21/soft-T$sec21_base_t" "$ens" "$feats/dev" --temperatures "$sec21_temperatures" --json
}

stage_sec3() {
  # Sec. 3: the transfer set without any frame of one word; the student in the paper's setup on it,
  # the same student with the omitted pdfs' output biases raised by a shift chosen on dev, and the
  # student that saw the word (sec. 2.1's base point, the same settings on the full set).
  local d=$pexp/sec3 w=$sec3_word m
  asr omit-word "$corpus/train" "$feats/train" "$base_exp/ali_train" "$w" "$d/transfer" --min-lost "$sec3_min_lost" --overwrite
  paper_student "$d/student-no-$w" "$d/transfer/feats" "$d/transfer/ali" "$base_exp/ensemble" --temperature "$sec21_base_t" --hard-weight 0.5
  asr bias-fix "$d/student-no-$w" "$d/transfer/omitted.json" "$feats/dev" "$base_exp/ali_dev" "$d/student-no-$w-fixed" --overwrite
  sec21_student "soft-T$sec21_base_t" "$base_exp/ensemble" --temperature "$sec21_base_t" --hard-weight 0.5
  for m in "$base_exp/baseline" "$base_exp/ensemble" "$pexp/sec21/soft-T$sec21_base_t" "$d/student-no-$w" "$d/student-no-$w-fixed"; do
    # --omitted: the word's frames also split by label (its omitted pdfs / pdfs shared with other
    # words: on tied states a word may share pdfs with others; on seed 1 "three" shares none).
    to_file "$d/eval-word-$(basename "$m").json" asr eval-word "$m" "$feats/test" "$base_exp/ali_test" "$corpus/test" "$w" --omitted "$d/transfer/omitted.json" --json
  done
}

stage_report() {
  PAPER_PLOTS=$plots node "$here/local/paper-tables.mjs" "$pexp" "size=$size seed=$seed members=$members spec_num=$spec_num spec_cover=$spec_cover spec_size=$spec_size spec_epochs=$spec_epochs spec_targets=$spec_targets spec_temperature=$spec_temperature spec_hard_weight=$spec_hard_weight spec_top=$spec_top sec6_epochs=$sec6_epochs sec6_hard_weight=$sec6_hard_weight sec21_temperatures=$sec21_temperatures sec21_base_t=$sec21_base_t sec3_word=$sec3_word sec3_min_lost=$sec3_min_lost sections=$sections"
}

build_cli
exp=$base_exp
run_stage 0 base stage_base
exp=$pexp
# section N: true when the paper's section N is in --sections.
section() { [[ ",$sections," == *",$1,"* ]]; }
if section 5; then run_stage 1 specialists stage_specialists; fi
if section 6; then run_stage 2 sec6 stage_sec6; fi
if section 2.1; then run_stage 3 sec21 stage_sec21; fi
if section 3; then run_stage 4 sec3 stage_sec3; fi
if section 5 && [ "$spec_wer" = true ]; then run_stage 5 table1 stage_table1; fi
run_stage 9 report stage_report
log "all stages done; report: $pexp/RESULTS.md"
