/** @module librsync — librsync's signature, delta and patch formats in pure TypeScript (rdiff-compatible). */
export { Blake2b, blake2b } from "./blake2b.js";
export { generateDelta } from "./delta.js";
export { deltaFile, deltaFileFromSignatureFile, patchFile, signatureFile } from "./files.js";
export {
  RS_BLAKE2_SIG_MAGIC,
  RS_DELTA_MAGIC,
  RS_MD4_SIG_MAGIC,
  RS_RK_BLAKE2_SIG_MAGIC,
  RS_RK_MD4_SIG_MAGIC,
  rabinKarpOf,
  rollsumOf,
  type SignatureKind,
  type SignatureMagic,
  signatureKind,
} from "./format.js";
export { applyDelta, type BasisReader, bufferBasis } from "./patch.js";
export {
  generateSignature,
  OPSI_BLOCK_LEN,
  OPSI_STRONG_LEN,
  parseSignature,
  Signature,
  type SignatureOptions,
  type SignatureParams,
  signatureOf,
  signatureParams,
} from "./signature.js";
