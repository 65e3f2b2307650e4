/** The 11 UCF11 (UCF YouTube Action) classes, in the dataset's folder naming. */
export const UCF11_CLASSES: readonly string[] = [
  'basketball',
  'biking',
  'diving',
  'golf_swing',
  'horse_riding',
  'soccer_juggling',
  'swing',
  'tennis_swing',
  'trampoline_jumping',
  'volleyball_spiking',
  'walking',
];
