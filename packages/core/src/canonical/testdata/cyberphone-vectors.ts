/**
 * Test data from https://github.com/cyberphone/json-canonicalization/tree/master/testdata
 * (input/*.json → output/*.json), upstream commit 19d51d7fe467d4706a3ff08adf8a748f29fc21e0.
 *
 * The bytes here were rebuilt by hand and checked against the SHA-256 of every upstream file
 * as recorded in lattice-substrate/json-canon `conformance/official/cyberphone/UPSTREAM.json`;
 * the test asserts those digests too, so a transcription slip cannot pass unnoticed.
 * Escapes below are TypeScript escapes: the files themselves contain the raw characters.
 */
export type CyberphoneVector = {
  name: string
  input: string
  inputSha256: string
  output: string
  outputSha256: string
}

export const cyberphoneVectors: CyberphoneVector[] = [
  {
    name: 'arrays',
    input: '[\n  56,\n  {\n    "d": true,\n    "10": null,\n    "1": [ ]\n  }\n]\n',
    inputSha256: 'e503b6d71d1afa595b1c74b1016445c944cd89f90418066b23de1aeda7d17563',
    output: '[56,{"1":[],"10":null,"d":true}]',
    outputSha256: '099601b171cafed97c333f8878d68e7f8c8f795412adb34b2fdcf0e7c7beac42',
  },
  {
    name: 'french',
    input:
      '{\n  "peach": "This sorting order",\n  "p\u00e9ch\u00e9": "is wrong according to French",\n  "p\u00eache": "but canonicalization MUST",\n  "sin":   "ignore locale"\n}\n',
    inputSha256: '03676a951cd8753ac62589f72eb2105cc782c33425418cfe1d517c111f6e5d5a',
    output:
      '{"peach":"This sorting order","p\u00e9ch\u00e9":"is wrong according to French","p\u00eache":"but canonicalization MUST","sin":"ignore locale"}',
    outputSha256: 'd99d0ebdcb0033cb858cfa830ae46bc0fb3309413b271f1da828c89901a27ed5',
  },
  {
    name: 'structures',
    input:
      '{\n  "1": {"f": {"f": "hi","F": 5} ,"\\n": 56.0},\n  "10": { },\n  "": "empty",\n  "a": { },\n  "111": [ {"e": "yes","E": "no" } ],\n  "A": { }\n}',
    inputSha256: 'd66893805be1784116af50af3110d08766c70a6b4aad93374723f72346e7aaa6',
    output: '{"":"empty","1":{"\\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{"E":"no","e":"yes"}],"A":{},"a":{}}',
    outputSha256: '605f65004ec2db7692522a0852c22f1c989e036d547e88963d1a3143cf3195d5',
  },
  {
    name: 'unicode',
    input: '{\n  "Unnormalized Unicode":"A\\u030a"\n}\n',
    inputSha256: '4621864e014d4a805a563f55b9ea20aba4a2d2dc09c7394f625496998c00702c',
    output: '{"Unnormalized Unicode":"A\u030a"}',
    outputSha256: '0d99aad92a125196ff887876643fd3206786a84ddce2cee52ba4ad256d2381d3',
  },
  {
    name: 'values',
    input:
      '{\n  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n  "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n  "literals": [null, true, false]\n}',
    inputSha256: 'c4a041b503d6bc236036ef44db4dac499272f60fc22c40dc3b7a54870ba6f1c3',
    output:
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    outputSha256: '2d5e01a318d0f0879ab568c4be289c8b1f64ef8921a53c6277d5e069978baacb',
  },
  {
    name: 'weird',
    input:
      '{\n  "\\u20ac": "Euro Sign",\n  "\\r": "Carriage Return",\n  "\\u000a": "Newline",\n  "1": "One",\n  "\\u0080": "Control\\u007f",\n  "\\ud83d\\ude02": "Smiley",\n  "\\u00f6": "Latin Small Letter O With Diaeresis",\n  "\\ufb33": "Hebrew Letter Dalet With Dagesh",\n  "</script>": "Browser Challenge"\n}\n',
    inputSha256: 'a3a905266bd4a49a969274ea69baa14ee0c4af0ead926d6fa2b7612b4af75387',
    output:
      '{"\\n":"Newline","\\r":"Carriage Return","1":"One","</script>":"Browser Challenge","\u0080":"Control\u007f","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude02":"Smiley","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    outputSha256: '6af595a9aa80110b964b4de3f82a05fa6ae7423005019bacfa2620dddc4e94d1',
  },
]

/**
 * RFC 8785 Appendix B: IEEE-754 bit patterns and their canonical JSON number strings
 * (finite values only; the NaN and Infinity rows are errors). Transcribed from the RFC via
 * lattice-substrate/json-canon `conformance/official/rfc8785/appendix_b.csv`.
 */
export const rfc8785NumberVectors: Array<[ieee754Hex: string, json: string]> = [
  ['0000000000000000', '0'],
  ['8000000000000000', '0'],
  ['0000000000000001', '5e-324'],
  ['8000000000000001', '-5e-324'],
  ['7fefffffffffffff', '1.7976931348623157e+308'],
  ['ffefffffffffffff', '-1.7976931348623157e+308'],
  ['4340000000000000', '9007199254740992'],
  ['c340000000000000', '-9007199254740992'],
  ['4430000000000000', '295147905179352830000'],
  ['44b52d02c7e14af5', '9.999999999999997e+22'],
  ['44b52d02c7e14af6', '1e+23'],
  ['44b52d02c7e14af7', '1.0000000000000001e+23'],
  ['444b1ae4d6e2ef4e', '999999999999999700000'],
  ['444b1ae4d6e2ef4f', '999999999999999900000'],
  ['444b1ae4d6e2ef50', '1e+21'],
  ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
  ['3eb0c6f7a0b5ed8d', '0.000001'],
  ['41b3de4355555553', '333333333.3333332'],
  ['41b3de4355555554', '333333333.33333325'],
  ['41b3de4355555555', '333333333.3333333'],
  ['41b3de4355555556', '333333333.3333334'],
  ['41b3de4355555557', '333333333.33333343'],
  ['becbf647612f3696', '-0.0000033333333333333333'],
  ['43143ff3c1cb0959', '1424953923781206.2'],
]

/** RFC 8785 Appendix B rows that are not JSON numbers and must be rejected. */
export const rfc8785NonFiniteVectors: string[] = ['7fffffffffffffff', '7ff0000000000000', 'fff0000000000000']
