//go:build linux

package stream

import (
	"bytes"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestSendQueue plays the kernel: it takes a given number of bytes from
// each gathered iovec list, and checks the bytes come out in staged order
// and each send completes exactly when its last byte is taken.
func TestSendQueue(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sends  [][]int // iovec sizes of each send
		iovCap int     // iovecs per gather, standing in for IOV_MAX
		takes  []int   // bytes the kernel takes per call, the last repeated
	}{
		{"one send, one write", [][]int{{10, 20}}, 8, []int{30}},
		{"partial writes mid-iovec", [][]int{{10, 20, 5}}, 8, []int{3, 14, 1, 100}},
		{"several sends per write", [][]int{{4}, {4, 4}, {8}}, 8, []int{100}},
		{"more iovecs than a call takes", [][]int{{1, 2, 3, 4, 5, 6, 7}, {8, 9}}, 3, []int{2, 100}},
		{"empty iovecs and sends", [][]int{{0, 5, 0}, {}, {0}, {3, 0, 0, 2}}, 2, []int{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var q SendQueue
			var want []byte
			var lastByte []int // offset in want of each send's end
			for i, sizes := range tc.sends {
				var iovecs [][]byte
				for j, size := range sizes {
					b := bytes.Repeat([]byte{byte(16*i + j)}, size)
					iovecs = append(iovecs, b)
					want = append(want, b...)
				}
				q.Push(iovecs, uint64(i))
				lastByte = append(lastByte, len(want))
			}
			var done Results[Completion]
			var out []byte
			for call := 0; ; call++ {
				q.Settle(3, &done)
				checkCompletions(t, done.items, lastByte, len(out))
				if q.Empty() {
					break
				}
				iov, total := q.Gather(make([]unix.Iovec, 0, tc.iovCap))
				if total == 0 || len(iov) > tc.iovCap {
					t.Fatalf("call %d: gathered %d iovecs covering %d bytes", call, len(iov), total)
				}
				take := min(tc.takes[min(call, len(tc.takes)-1)], total)
				out = appendTaken(out, iov, take)
				q.Advance(take, 3, &done)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("wrote %v, want %v", out, want)
			}
		})
	}
}

// TestSendQueueReusesRoom keeps one send always pending while more are
// staged and completed, as a busy connection does: the queue must reuse its
// room instead of growing without end.
func TestSendQueueReusesRoom(t *testing.T) {
	var q SendQueue
	var done Results[Completion]
	q.Push([][]byte{make([]byte, 4)}, 0)
	for token := uint64(1); token <= 1000; token++ {
		q.Push([][]byte{make([]byte, 4)}, token)
		q.Advance(4, 1, &done)
		if got := done.items[len(done.items)-1].Token; got != token-1 {
			t.Fatalf("completed token %d, want %d", got, token-1)
		}
	}
	if cap(q.sends) > 4 {
		t.Errorf("the queue grew to %d entries for at most 2 pending sends", cap(q.sends))
	}
}

// checkCompletions asserts that exactly the sends ending at or before
// written bytes are complete, in order.
func checkCompletions(t *testing.T, done []Completion, lastByte []int, written int) {
	t.Helper()
	complete := 0
	for complete < len(lastByte) && lastByte[complete] <= written {
		complete++
	}
	if len(done) != complete {
		t.Fatalf("after %d bytes, %d sends complete, want %d", written, len(done), complete)
	}
	for i, c := range done {
		if c.ID != 3 || c.Token != uint64(i) {
			t.Fatalf("completion %d = %+v, want token %d", i, c, i)
		}
	}
}

// appendTaken appends the first n bytes that iov points to.
func appendTaken(out []byte, iov []unix.Iovec, n int) []byte {
	for _, v := range iov {
		if n == 0 {
			break
		}
		k := min(int(v.Len), n)
		out = append(out, unsafe.Slice(v.Base, k)...)
		n -= k
	}
	return out
}

// TestSendQueuePartial follows one send of two iovecs through a short
// write: partial only between its first and its last byte.
func TestSendQueuePartial(t *testing.T) {
	var q SendQueue
	var done Results[Completion]
	q.Push([][]byte{make([]byte, 4), make([]byte, 4)}, 1)
	for _, step := range []struct {
		take    int
		partial bool
	}{{0, false}, {6, true}, {2, false}} {
		q.Advance(step.take, 1, &done)
		if q.Partial() != step.partial {
			t.Fatalf("after taking %d more bytes, Partial = %v, want %v", step.take, q.Partial(), step.partial)
		}
	}
	if !q.Empty() || len(done.items) != 1 {
		t.Errorf("empty %v, %d completions; want the send complete", q.Empty(), len(done.items))
	}
}
