package stream

import (
	"errors"
	"net"
	"strings"
	"testing"
)

func TestSettingsWithDefaults(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      Settings
		want    Settings
		wantErr string // a substring of the error; empty: no error
	}{
		{"zero takes Kafka's defaults", Settings{}, Settings{
			SendBufferBytes:        DefaultSendBufferBytes,
			ReceiveBufferBytes:     DefaultReceiveBufferBytes,
			ConnectionsMaxIdle:     DefaultConnectionsMaxIdle,
			ConnectionSetupTimeout: DefaultConnectionSetupTimeout,
			MaxFrameBytes:          DefaultMaxFrameBytes,
		}, ""},
		{"-1 and negative durations are kept", Settings{SendBufferBytes: -1, ReceiveBufferBytes: -1, ConnectionsMaxIdle: -1, ConnectionSetupTimeout: -1, MaxFrameBytes: 10},
			Settings{SendBufferBytes: -1, ReceiveBufferBytes: -1, ConnectionsMaxIdle: -1, ConnectionSetupTimeout: -1, MaxFrameBytes: 10}, ""},
		{"send buffer below -1", Settings{SendBufferBytes: -2}, Settings{}, "SendBufferBytes is -2"},
		{"receive buffer below -1", Settings{ReceiveBufferBytes: -5}, Settings{}, "ReceiveBufferBytes is -5"},
		{"negative frame limit", Settings{MaxFrameBytes: -1}, Settings{}, "MaxFrameBytes is -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.in.WithDefaults()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Resolver != net.DefaultResolver {
				t.Errorf("Resolver = %v, want net.DefaultResolver", got.Resolver)
			}
			got.Resolver = nil
			if got != tc.want {
				t.Errorf("WithDefaults = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestSplitAddress(t *testing.T) {
	for _, tc := range []struct {
		address string
		host    string
		port    uint16
		ok      bool
	}{
		{"broker-1:9092", "broker-1", 9092, true},
		{"[::1]:65535", "::1", 65535, true},
		{"127.0.0.1:0", "127.0.0.1", 0, true},
		{"broker-1", "", 0, false},
		{"broker-1:65536", "", 0, false},
		{"broker-1:kafka", "", 0, false},
	} {
		t.Run(tc.address, func(t *testing.T) {
			host, port, err := SplitAddress(tc.address)
			if !tc.ok {
				if !errors.Is(err, ErrResolve) {
					t.Fatalf("err = %v, want one matching ErrResolve", err)
				}
				return
			}
			if err != nil || host != tc.host || port != tc.port {
				t.Errorf("SplitAddress = %q, %d, %v; want %q, %d", host, port, err, tc.host, tc.port)
			}
		})
	}
}
