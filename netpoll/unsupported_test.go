//go:build !linux

package netpoll_test

import (
	"errors"
	"testing"

	"github.com/perfproducer/perfproducer/netpoll"
)

func TestNewIsNotSupported(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  netpoll.Config
		want error
	}{
		{"valid config", netpoll.Config{}, netpoll.ErrNotSupported},
		{"invalid config is reported first", netpoll.Config{SendBufferBytes: -2}, netpoll.ErrInvalidConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sel, err := netpoll.New(tc.cfg)
			if !errors.Is(err, tc.want) || sel != nil {
				t.Fatalf("New = %v, %v; want nil and an error matching %v", sel, err, tc.want)
			}
		})
	}
}
