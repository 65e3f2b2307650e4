/**
 * The "Classify the camera" button of the clips panel: starts and stops a
 * CameraClassifier and shows its latest window's class. What it shows is
 * also kept in `state` (the browser test reads it on the page's handle).
 */
import type { ClipManifest } from './clip-manifest.js';
import type { ClipClassifier } from './clip-classifier.js';
import { CameraClassifier, type CameraUpdate } from './camera-classifier.js';

/** Classify after this many new camera frames. */
export const CAMERA_EVERY = 4;

export interface CameraState {
  running: boolean;
  last: CameraUpdate | null;
  error: string | null;
}

/** Wires the button; returns a function that stops the camera (and says so on the button). */
export function setUpCamera(section: HTMLElement, classifier: ClipClassifier, manifest: ClipManifest, state: CameraState): () => void {
  const button = section.querySelector<HTMLButtonElement>('#camera')!;
  const video = section.querySelector<HTMLVideoElement>('.camera-video')!;
  const result = section.querySelector<HTMLElement>('.camera-result')!;
  // The window is as long as the shipped clips, so that test-mode sampling spaces its frames as in them.
  const windowFrames = manifest.clips[0].numFrames;
  const camera = new CameraClassifier(classifier, {
    windowFrames,
    every: CAMERA_EVERY,
    onUpdate: (update) => {
      state.last = update;
      const ranked = update.probabilities.map((p, c) => `${manifest.classes[c]} ${p.toFixed(2)}`).join(' · ');
      result.textContent =
        `${manifest.classes[update.predicted]} (${ranked}): window ${update.classified}, ${update.frames} frames of ${update.cameraWidth}x${update.cameraHeight} ` +
        `drawn at ${manifest.width}x${manifest.height}; gather ${update.gatherMs.toFixed(2)} ms, model ${update.modelMs.toFixed(1)} ms`;
    },
  });
  const show = () => {
    state.running = camera.running;
    button.textContent = camera.running ? 'Stop the camera' : 'Classify the camera';
    video.hidden = !camera.running;
  };
  const stop = () => {
    camera.stop();
    show();
  };
  if (!navigator.mediaDevices?.getUserMedia) {
    button.title = 'no camera access here (navigator.mediaDevices needs https or localhost)';
    return stop;
  }
  button.disabled = false;
  button.addEventListener('click', () => {
    if (camera.running) {
      stop();
      return;
    }
    button.disabled = true;
    result.textContent = `Starting the camera; the first class after ${windowFrames} frames…`;
    camera
      .start(video)
      .then(() => (state.error = null))
      .catch((error: Error) => {
        camera.stop();
        state.error = error.message;
        result.textContent = `No camera: ${error.message}`;
      })
      .finally(() => {
        button.disabled = false;
        show();
      });
  });
  show();
  return stop;
}
