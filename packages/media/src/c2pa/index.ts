export { ingredientMetadataKeys, mintmarkReferenceLabel, softBindingAlgorithms, softBindingLabel } from './c2pa-assertions.js'
export {
  type C2paAction,
  type C2paIngredient,
  type C2paManifestSummary,
  type C2paMintmarkReference,
  type C2paSigner,
  type C2paSoftBinding,
  type C2paValidationEntry,
  type ReadC2paOptions,
  type ReadC2paReturnType,
  readC2pa,
} from './read-c2pa.js'
export {
  type C2paActionInput,
  type C2paIngredientInput,
  type C2paManifestInput,
  type C2paSignerInput,
  type C2paSigningAlgorithm,
  type C2paTrainingMiningInput,
  type C2paTrainingMiningUse,
  type WriteC2paParameters,
  writeC2pa,
} from './write-c2pa.js'
