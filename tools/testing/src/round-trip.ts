import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Saves a model to memory and loads it back, as `model.save` + `tf.loadLayersModel` would through files. */
export async function saveAndLoad(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      // Round-trip the topology through JSON, as a file would.
      saved = { ...artifacts, modelTopology: JSON.parse(JSON.stringify(artifacts.modelTopology)) };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return tfl.loadLayersModel(tf.io.fromMemory(saved!));
}
