// The package ships no types; wav.ts describes the part it uses (decode.sync).
declare module 'wav-decoder' {
  const wavDecoder: unknown;
  export default wavDecoder;
}
