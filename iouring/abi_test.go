package iouring

import (
	"testing"
	"unsafe"
)

// TestABILayout checks the structs shared with the kernel against the
// sizes and offsets of include/uapi/linux/io_uring.h.
func TestABILayout(t *testing.T) {
	for _, tc := range []struct {
		name      string
		got, want uintptr
	}{
		{"sizeof io_uring_params", unsafe.Sizeof(params{}), 120},
		{"offsetof io_uring_params.sq_off", unsafe.Offsetof(params{}.sqOff), 40},
		{"offsetof io_uring_params.cq_off", unsafe.Offsetof(params{}.cqOff), 80},
		{"sizeof io_uring_sqe", unsafe.Sizeof(sqe{}), 64},
		{"offsetof io_uring_sqe.addr", unsafe.Offsetof(sqe{}.addr), 16},
		{"offsetof io_uring_sqe.len", unsafe.Offsetof(sqe{}.len), 24},
		{"offsetof io_uring_sqe.user_data", unsafe.Offsetof(sqe{}.userData), 32},
		{"offsetof io_uring_sqe.buf_index", unsafe.Offsetof(sqe{}.bufIndex), 40},
		{"offsetof io_uring_sqe.file_index", unsafe.Offsetof(sqe{}.fileIndex), 44},
		{"offsetof io_uring_sqe.addr3", unsafe.Offsetof(sqe{}.addr3), 48},
		{"sizeof io_uring_cqe", unsafe.Sizeof(cqe{}), 16},
		{"sizeof io_uring_getevents_arg", unsafe.Sizeof(getEventsArg{}), 24},
		{"sizeof __kernel_timespec", unsafe.Sizeof(timespec{}), 16},
		{"offsetof io_uring_probe.ops", unsafe.Offsetof(probe{}.ops), 16},
		{"sizeof io_uring_probe_op", unsafe.Sizeof(probeOp{}), 8},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %d, want %d", tc.name, tc.got, tc.want)
		}
	}
}
