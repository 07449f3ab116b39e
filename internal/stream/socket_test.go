//go:build linux

package stream

import (
	"errors"
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

func TestReasonOf(t *testing.T) {
	for _, tc := range []struct {
		name       string
		err        error
		connecting bool
		want       error
	}{
		{"refused", unix.ECONNREFUSED, true, ErrConnectionRefused},
		{"reset", fmt.Errorf("writev: %w", unix.ECONNRESET), false, ErrConnectionReset},
		{"broken pipe", unix.EPIPE, false, ErrConnectionReset},
		{"other errno while connecting", unix.ENETUNREACH, true, ErrConnectFailed},
		{"other errno once ready", unix.ENETUNREACH, false, ErrSocket},
		{"no errno while connecting", errors.New("zone of fe80::1"), true, ErrConnectFailed},
		{"no errno once ready", errors.New("epoll_ctl"), false, ErrSocket},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ReasonOf(tc.err, tc.connecting); got != tc.want {
				t.Errorf("ReasonOf(%v, %v) = %v, want %v", tc.err, tc.connecting, got, tc.want)
			}
		})
	}
}

// TestConnError checks that a ConnError names its connection and matches
// its reason and its cause.
func TestConnError(t *testing.T) {
	err := error(&ConnError{ID: 3, Address: "broker:9092", Reason: ErrConnectionRefused, Cause: unix.ECONNREFUSED})
	if !errors.Is(err, ErrConnectionRefused) || !errors.Is(err, unix.ECONNREFUSED) {
		t.Errorf("%v does not match its reason and cause", err)
	}
	if want := "connection refused (connection 3, broker:9092): connection refused"; err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
	bare := &ConnError{ID: 4, Address: "broker:9092", Reason: ErrIdle}
	if want := "connection closed after being idle (connection 4, broker:9092)"; bare.Error() != want {
		t.Errorf("message %q, want %q", bare.Error(), want)
	}
}
