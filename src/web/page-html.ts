// index.html of the exported site: static markup the bundled app.js fills in.

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page for the model named `modelName`. */
export function pageHtml(modelName: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(modelName)}: speech recognition in the browser (asr-distill)</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.4rem; margin-bottom: 0.2rem; }
  .sub { color: #666; margin-top: 0; }
  #drop { border: 2px dashed #99a; border-radius: 8px; padding: 1.5rem; text-align: center; margin: 1rem 0; background: #f7f7fb; }
  #transcript { font-size: 1.8rem; font-weight: 600; min-height: 2.7rem; margin: 0.5rem 0; }
  #partial { font-style: italic; color: #777; min-height: 1.5rem; }
  #stats, #status, dl { color: #555; font-size: 0.9rem; }
  dt { float: left; clear: left; width: 9rem; font-weight: 600; }
  dd { margin-left: 9rem; }
  h2 { font-size: 1.1rem; margin-bottom: 0.3rem; }
  table { border-collapse: collapse; width: 100%; font-size: 0.95rem; }
  th, td { text-align: left; padding: 0.25rem 0.5rem; border-bottom: 1px solid #ddd; }
</style>
</head>
<body data-state="loading">
<h1>${escapeHtml(modelName)}</h1>
<p class="sub">A distilled acoustic model decoding in your browser: Kaldi fbank, DNN on TensorFlow.js, HMM beam search. Nothing leaves this page.</p>
<div id="drop">
  <p>Drop a WAV file here, or <label><input type="file" id="file" accept=".wav,audio/wav,audio/x-wav"></label>, or <button id="mic" type="button">use the microphone</button></p>
</div>
<section id="result">
  <div id="transcript"></div>
  <div id="partial"></div>
  <div id="stats"></div>
</section>
<section id="compare-section" hidden>
  <h2>Student and ensemble, same audio</h2>
  <table><thead><tr><th>model</th><th>words</th><th>decode time</th><th>size</th></tr></thead><tbody id="compare-rows"></tbody></table>
  <p class="sub">Ensemble: <span id="compare-model"></span> (files only; the microphone uses the student)</p>
</section>
<dl>
  <dt>Model</dt><dd id="model">loading...</dd>
  <dt>Page download</dt><dd id="download">...</dd>
  <dt>Status</dt><dd id="status">loading the model...</dd>
</dl>
<script type="module" src="app.js"></script>
</body>
</html>
`;
}
