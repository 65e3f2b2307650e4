// The sweep charts live in app-kit, shared with the UCF11 apps' sweep commands.
export { sweepHtml, sweepSvg, writeSweep, type ChartOptions } from '@tfjs-compress/app-kit';
