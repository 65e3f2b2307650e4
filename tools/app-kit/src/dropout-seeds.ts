/** One implementation for the main thread and the workers: parallel's (worker 0 seeds as the main thread does). */
export { setDropoutSeeds } from '@tfjs-compress/parallel';
