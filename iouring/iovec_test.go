package iouring

import (
	"bytes"
	"testing"
	"unsafe"
)

func TestAdvance(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    int
		want []string
	}{
		{"nothing sent", 0, []string{"abc", "de", "f"}},
		{"inside the first", 2, []string{"c", "de", "f"}},
		{"the first exactly", 3, []string{"de", "f"}},
		{"into the second", 4, []string{"e", "f"}},
		{"all but the last byte", 5, []string{"f"}},
		{"everything", 6, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bufs := [][]byte{[]byte("abc"), []byte("de"), []byte("f")}
			iovecs := make([]Iovec, len(bufs))
			for i, b := range bufs {
				iovecs[i].Base = &b[0]
				iovecs[i].SetLen(len(b))
			}
			rest := Advance(iovecs, tc.n)
			if len(rest) != len(tc.want) {
				t.Fatalf("Advance(%d) left %d iovecs, want %d", tc.n, len(rest), len(tc.want))
			}
			for i, v := range rest {
				got := unsafe.Slice(v.Base, int(v.Len))
				if !bytes.Equal(got, []byte(tc.want[i])) {
					t.Errorf("iovec %d = %q, want %q", i, got, tc.want[i])
				}
			}
		})
	}
}
