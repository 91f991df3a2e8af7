// The kernel's error numbers, positive as in include/uapi/asm-generic/errno-base.h
// and errno.h, so that `return -EAGAIN;` in a helper is negative and the
// caller's `if (ret < 0)` takes the error path as the kernel's does.

export const ERRNO: Readonly<Record<string, number>> = {
	EPERM: 1,
	ENOENT: 2,
	ESRCH: 3,
	EINTR: 4,
	EIO: 5,
	ENXIO: 6,
	E2BIG: 7,
	ENOEXEC: 8,
	EBADF: 9,
	ECHILD: 10,
	EAGAIN: 11,
	ENOMEM: 12,
	EACCES: 13,
	EFAULT: 14,
	EBUSY: 16,
	EEXIST: 17,
	EXDEV: 18,
	ENODEV: 19,
	EINVAL: 22,
	ENOSPC: 28,
	ERANGE: 34,
	EDEADLK: 35,
	ENOSYS: 38,
	EOPNOTSUPP: 95,
	ETIMEDOUT: 110,
	EHWPOISON: 133,
	// include/linux/errno.h: kernel-internal, never seen by user space.
	ERESTARTSYS: 512,
};
