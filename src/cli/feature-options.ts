// The one option that lets a consumer of stored features go on when they were made with another
// feature configuration than the model (or the training features) expect (features/feature-match.ts).

/** Help text of `--allow-feature-mismatch` (eval-frames, decode, align, train, ensemble, distill). */
export const ALLOW_FEATURE_MISMATCH_HELP =
  'go on (with a warning) when the features were made with another configuration than the model or the training features (default: refuse, naming the differing options)';
