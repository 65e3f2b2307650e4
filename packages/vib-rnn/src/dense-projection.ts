import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { resizeVariable, sliceVariable, spreadWeight } from '@tfjs-compress/vib/internal';
import { registerProjection, type InputProjection, type ProjectionBuildContext } from './projection.js';

/**
 * The default projection: one dense `kernel` [inputDim, outputDim], laid out
 * as the kernel of `tf.layers.lstm` / `tf.layers.gru`.
 */
export class DenseProjection implements InputProjection {
  static readonly className = 'dense';
  readonly className = DenseProjection.className;
  private kernel: tfl.LayerVariable | null = null;
  private inputDim = 0;
  private outputDim = 0;

  build(inputDim: number, outputDim: number, context: ProjectionBuildContext): void {
    this.inputDim = inputDim;
    this.outputDim = outputDim;
    this.kernel = context.addWeight(
      'kernel',
      [inputDim, outputDim],
      context.kernelInitializer,
      context.kernelRegularizer,
      context.kernelConstraint,
    );
  }

  private requireKernel(): tfl.LayerVariable {
    if (this.kernel == null) throw new Error('DenseProjection used before build().');
    return this.kernel;
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.matMul(x, this.requireKernel().read() as tf.Tensor2D);
  }

  toDense(): tf.Tensor2D {
    return tf.clone(this.requireKernel().read()) as tf.Tensor2D;
  }

  paramCount(): number {
    return this.inputDim * this.outputDim;
  }

  flopsPerRow(): number {
    return 2 * this.inputDim * this.outputDim;
  }

  sliceInPlace(rows: number[] | null, columns: number[] | null): Array<{ variable: tfl.LayerVariable; indices: Array<number[] | null> }> {
    const kernel = this.requireKernel();
    const indices = [rows, columns];
    sliceVariable(kernel, indices);
    this.inputDim = kernel.shape[0] as number;
    this.outputDim = kernel.shape[1] as number;
    return [{ variable: kernel, indices }];
  }

  spreadInPlace(rows: number[] | null, columns: number[] | null): void {
    const kernel = this.requireKernel();
    const spread = spreadWeight(kernel.read(), [rows, columns]);
    resizeVariable(kernel, spread);
    spread.dispose();
    this.inputDim = kernel.shape[0] as number;
    this.outputDim = kernel.shape[1] as number;
  }

  get weights(): tfl.LayerVariable[] {
    return this.kernel ? [this.kernel] : [];
  }

  getConfig(): tf.serialization.ConfigDict {
    return {};
  }
}

registerProjection(DenseProjection.className, () => new DenseProjection());
