# recipes/lib/gmm.sh: features and the monophone GMM-HMM alignment for a recipe whose three sets are
# $data/{train,dev,test} (Kaldi data dirs). Source after lib/stages.sh, and set:
#   data feats exp jobs;  feat_config (features/*.json);  lang (lang dir);  mono_iters mono_gauss
#   optional: feature_opts (array of more `features` options, e.g. --allow-resample)
# Writes $feats/<set> (with per-speaker CMVN), $exp/mono and $exp/ali_{train,dev,test}.

stage_features() {
  local s
  for s in train dev test; do
    asr features "$data/$s" "$feats/$s" --config "$feat_config" --jobs "$jobs" --overwrite ${feature_opts[@]+"${feature_opts[@]}"}
    asr compute-cmvn "$feats/$s" --per speaker
  done
}

stage_mono() {
  asr train-mono "$data/train" "$feats/train" "$lang" "$exp/mono" --iters "$mono_iters" --total-gauss "$mono_gauss" \
    --jobs "$jobs" --overwrite
  # The GMM's frame state accuracy (every pdf at every frame) on dev and test only: on train it
  # costs time and says little.
  asr align "$data/train" "$feats/train" "$lang" "$exp/mono" "$exp/ali_train" --jobs "$jobs" --no-state-accuracy --overwrite
  local s
  for s in dev test; do asr align "$data/$s" "$feats/$s" "$lang" "$exp/mono" "$exp/ali_$s" --jobs "$jobs" --overwrite; done
}
