package bpf_test

import (
	"context"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/perfproducer/perfproducer/bpf"
	"github.com/perfproducer/perfproducer/core"
	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// brokerPorts are the ports c's brokers listen on.
func brokerPorts(t *testing.T, c *kfake.Cluster) []uint16 {
	t.Helper()
	var ports []uint16
	for _, addr := range c.ListenAddrs() {
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatal(err)
		}
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			t.Fatal(err)
		}
		ports = append(ports, uint16(n))
	}
	return ports
}

// TestProbesCountOwnProduce traces this process while the producer sends a
// bounded run, and checks the probes against what the broker received and
// the producer counted.
func TestProbesCountOwnProduce(t *testing.T) {
	const topic, records, valueSize = "bpf-probes", 2000, 200
	c := kafkatest.NewCluster(t, 2, topic, 4)
	var produceRequests atomic.Int64
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		produceRequests.Add(1)
		return nil, nil, false
	})
	ports := brokerPorts(t, c)
	tr := attach(t, os.Getpid(), ports...)

	cfg := core.DefaultConfig()
	cfg.BootstrapServers = c.ListenAddrs()
	// One request in flight per connection: a writev then carries at most
	// one Produce request.
	cfg.MaxInFlight = 1
	p, err := core.NewProducer(cfg)
	if err != nil {
		t.Fatalf("NewProducer: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), kafkatest.Deadline)
	defer cancel()
	var failed atomic.Int64
	value := make([]byte, valueSize)
	for range records {
		rec := core.Record{Topic: topic, Value: value}
		if err := p.Send(ctx, &rec, func(_ core.RecordMetadata, err error) {
			if err != nil {
				failed.Add(1)
			}
		}); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	st := p.Stats()
	if err := p.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d records failed", n)
	}
	s := snapshot(t, tr)
	kafkatest.Consume(t, c, topic, records)

	writev := syscallRow(t, s, "writev")
	if got, want := writev.Count, uint64(produceRequests.Load()); got < want {
		t.Errorf("writev: %d calls seen, fewer than the %d Produce requests the brokers received", got, want)
	}
	if got, want := writev.Bytes, uint64(st.BytesSent); got < want {
		t.Errorf("writev: %d bytes seen, fewer than the %d bytes of batches the producer sent", got, want)
	}
	if got, want := s.TCPSend.Bytes, uint64(st.BytesSent); got < want {
		t.Errorf("TCP sends to the brokers: %d bytes seen, fewer than the %d bytes of batches", got, want)
	}
	if got, want := s.TCPSend.Count, uint64(produceRequests.Load()); got < want {
		t.Errorf("TCP sends to the brokers: %d seen, fewer than the %d Produce requests", got, want)
	}
	var polls uint64
	for _, name := range []string{"epoll_wait", "epoll_pwait", "epoll_pwait2"} {
		if sc, ok := s.Syscall(name); ok {
			polls += sc.Count
		}
	}
	if polls == 0 {
		t.Error("no epoll wait seen")
	}
	if syscallRow(t, s, "read").Count == 0 {
		t.Error("no read seen: responses are read with read(2)")
	}
	checkConns(t, s, ports)
}

// checkConns checks that s's connections all go to one of ports and add up
// to s.TCPSend.
func checkConns(t *testing.T, s bpf.Snapshot, ports []uint16) {
	t.Helper()
	if len(s.Conns) == 0 {
		t.Fatal("no TCP connection seen")
	}
	var sends, bytes uint64
	for _, conn := range s.Conns {
		found := false
		for _, p := range ports {
			found = found || conn.RemotePort == p
		}
		if !found {
			t.Errorf("connection %d→%d passed the filter of ports %v", conn.LocalPort, conn.RemotePort, ports)
		}
		if conn.SendMax > conn.SendTotal {
			t.Errorf("connection %d→%d: max send %v is more than total %v", conn.LocalPort, conn.RemotePort, conn.SendMax, conn.SendTotal)
		}
		sends += conn.Sends
		bytes += conn.SendBytes
	}
	if sends != s.TCPSend.Count || bytes != s.TCPSend.Bytes {
		t.Errorf("connections add up to %d sends of %d bytes, the TCP send row has %d of %d", sends, bytes, s.TCPSend.Count, s.TCPSend.Bytes)
	}
}
