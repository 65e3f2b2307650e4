/** The errors a disk fault can raise, as node reports them: errno and message. */
export const DISK_FAULT_CODES = { ENOSPC: [-28, 'no space left on device'], EACCES: [-13, 'permission denied'], EROFS: [-30, 'read-only file system'] } as const;
export type DiskFaultCode = keyof typeof DISK_FAULT_CODES;
export const DISK_FAULT_VARIABLE = 'TFJS_COMPRESS_DISK_FAULT';
export const READ_FAULT_VARIABLE = 'TFJS_COMPRESS_READ_FAULT';
